// The model + SAE pair of an analysis command (inspect, steer, analyze): its --model-name and --dtype, download bars
// on the terminal, then the model's weight memory and, when the SAE names another model, a warning on stderr.
import { loadAnalysisPair, type LoadedPair, type PairOptions } from "@sae/server";
import { downloadProgress, type FlagValues } from "@sae/train";
import { formatWeightMemory } from "@sae/transformer";
import type { CliIO } from "../command.ts";
import { dtypeOf, modelOf } from "./analysis_flags.ts";
import { modelMismatch } from "./model_check.ts";

export async function openPair(
  cmd: string,
  flags: FlagValues,
  io: CliIO,
  where: Pick<PairOptions, "sae" | "checkpointsDir">,
): Promise<LoadedPair> {
  const hub = { onProgress: downloadProgress(io.progress) };
  const pair = await loadAnalysisPair({ model: modelOf(flags), dtype: dtypeOf(cmd, flags), hub, ...where });
  io.err(`model ${pair.model.name}: ${formatWeightMemory(pair.hooked.memory())}\n`);
  const warning = modelMismatch(pair);
  if (warning) io.err(warning);
  return pair;
}
