// Where intermediate checkpoints fall, as SAELens 6.18's SAETrainer: thresholds
// range(0, total_training_samples, ceil(total_training_samples / (n_checkpoints + 1)))[1:], and after each step, when
// the samples seen exceed the first remaining threshold, a checkpoint named by the samples seen is written and ONE
// threshold is dropped (so at most one per step, and one may fall after the last step, next to the final one).
// Here as the set of steps after which one is written, so a resumed run finds the same places.

/** The steps (1-based, <= runSteps) after which SAELens writes an intermediate checkpoint. */
export function checkpointSteps(
  nCheckpoints: number,
  trainingTokens: number,
  batchTokens: number,
  runSteps: number,
): Set<number> {
  const at = new Set<number>();
  if (nCheckpoints <= 0) return at;
  const every = Math.ceil(trainingTokens / (nCheckpoints + 1));
  const thresholds: number[] = [];
  for (let t = every; t < trainingTokens; t += every) thresholds.push(t);
  for (let step = 1, next = 0; step <= runSteps && next < thresholds.length; step++) {
    if (step * batchTokens > thresholds[next]) {
      at.add(step);
      next++;
    }
  }
  return at;
}
