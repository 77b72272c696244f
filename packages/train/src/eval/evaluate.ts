// Evaluates an SAE on held-out prompts as SAELens 6.18's run_evals does: reconstruction and sparsity metrics on the
// hook's activations, feature density, and the downstream CE loss score and KL divergence with the SAE spliced
// into the model, against the clean run and a zero ablation of the hook. Special-token positions (excludeIds) stay
// clean in the spliced run and are left out of every average. The metric maths lives in metrics.ts; this file
// only runs the model and the SAE and feeds the accumulators. The three runs' logits are taken a block of positions
// at a time (LogitRows: each block fits one binding, so a 256k vocabulary never needs its [batch, pos, d_vocab]
// tensor; one block when the whole tensor fits) and reduced to per-position CE and KL by @sae/transformer's
// logitRunStats: on the device for a model's runs (only [rows] floats come back), in float64 for host rows.
import { Tensor } from "@sae/tensor-core";
import { logitRunStats, type LogitRows } from "@sae/transformer";
import { ConfigError } from "../errors.ts";
import type { ModelHook } from "../model-hooks.ts";
import {
  ceLossScore,
  densityMetrics,
  klDivScore,
  ReconstructionAccumulator,
  type FeatureMetrics,
  type Histogram,
  type ReconstructionMetrics,
} from "./metrics.ts";

/** What evaluation needs of the model side (ModelHook fits; tests use a stand-in language model). */
export type EvalHook = Pick<ModelHook, "tensor" | "logitRows">;

/** What evaluation needs of an SAE (@sae/core's Sae fits): encode/decode on [n, d_in]. */
export interface EvalSae {
  readonly cfg: { d_in: number; d_sae: number };
  encode(x: Tensor): Promise<Tensor>;
  decode(f: Tensor): Tensor;
}

export interface EvalOptions {
  prompts: readonly Int32Array[]; // each [context_size]
  batchPrompts: number;
  excludeIds: readonly number[];
  deadThreshold: number;
  /** Skip the three model runs for CE/KL (quick evals during training). */
  reconstructionOnly?: boolean;
  /** Also return SAELens's per-latent feature_density and consistent_activation_heuristic. */
  featureMetrics?: boolean;
}

export interface EvalResult extends ReconstructionMetrics {
  dead_fraction: number;
  dense_fraction: number;
  density_histogram: Histogram;
  ce_loss_without_sae: number | null;
  ce_loss_with_sae: number | null;
  ce_loss_with_ablation: number | null;
  ce_loss_score: number | null;
  kl_div_with_sae: number | null;
  kl_div_with_ablation: number | null;
  kl_div_score: number | null;
  /** Token counts SAELens reports (context_size * batches * batch_size, special tokens included). */
  total_tokens_eval: number;
  feature_metrics?: FeatureMetrics;
}

export async function evaluateSae(hook: EvalHook, sae: EvalSae, o: EvalOptions): Promise<EvalResult> {
  // the batch loop below steps by batchPrompts: 0, a negative or a fraction would never end or skip prompts
  if (!(Number.isSafeInteger(o.batchPrompts) && o.batchPrompts >= 1)) {
    throw new ConfigError(`evaluateSae: batch size (prompts) must be a positive integer, got ${o.batchPrompts}`);
  }
  if (o.prompts.length === 0) throw new ConfigError("evaluateSae: no held-out prompts to evaluate (metrics would be NaN)");
  const { d_in: d, d_sae: s } = sae.cfg;
  const acc = new ReconstructionAccumulator(d, s);
  const ce = { clean: 0, sae: 0, zero: 0, n: 0 };
  const kl = { sae: 0, zero: 0, n: 0 };
  const pos = o.prompts[0]?.length ?? 0;
  let keep = new Uint8Array(0); // [B * pos] of the batch being run
  // SAELens's standard_replacement_hook: decode(encode(x)), special-token rows keep the clean activation.
  const spliced = async (x: Tensor): Promise<Tensor> => {
    const f = await sae.encode(x);
    const out = sae.decode(f);
    f.dispose();
    if (keep.every((k) => k === 1)) return out;
    const [xs, hs] = [await x.read(), await out.read()];
    out.dispose();
    for (let t = 0; t < keep.length; t++) if (!keep[t]) hs.set(xs.subarray(t * d, (t + 1) * d), t * d);
    return Tensor.from(x.device, x.shape, hs, "sae out, special tokens clean");
  };
  for (let at = 0; at < o.prompts.length; at += o.batchPrompts) {
    const group = o.prompts.slice(at, at + o.batchPrompts);
    const B = group.length;
    const tokens = new Int32Array(B * pos);
    group.forEach((p, i) => tokens.set(p, i * pos));
    keep = Uint8Array.from(tokens, (t) => (o.excludeIds.includes(t) ? 0 : 1));
    const x = await hook.tensor(tokens, B, pos); // [B * pos, d_in]
    const f = await sae.encode(x);
    const xHat = sae.decode(f);
    const [xs, hs, fs] = [await x.read(), await xHat.read(), await f.read()];
    for (const t of [x, f, xHat]) t.dispose();
    acc.add(xs, hs, fs, keep, B, pos);
    if (o.reconstructionOnly) continue;
    const runs: LogitRows[] = [];
    try {
      runs.push(await hook.logitRows(tokens, B, pos));
      runs.push(await hook.logitRows(tokens, B, pos, spliced));
      runs.push(await hook.logitRows(tokens, B, pos, "zero"));
      await addCeKl(runs, tokens, keep, ce, kl);
    } finally {
      for (const r of runs) r.dispose();
    }
  }
  const m = acc.finish();
  const dm = densityMetrics(acc.fireCounts, m.tokens, o.deadThreshold);
  const has = ce.n > 0;
  const ceC = has ? ce.clean / ce.n : null;
  const ceS = has ? ce.sae / ce.n : null;
  const ceZ = has ? ce.zero / ce.n : null;
  const klS = has ? kl.sae / kl.n : null;
  const klZ = has ? kl.zero / kl.n : null;
  return {
    ...m,
    dead_fraction: dm.dead_fraction,
    dense_fraction: dm.dense_fraction,
    density_histogram: dm.histogram,
    ce_loss_without_sae: ceC,
    ce_loss_with_sae: ceS,
    ce_loss_with_ablation: ceZ,
    ce_loss_score: has ? ceLossScore(ceC!, ceS!, ceZ!) : null,
    kl_div_with_sae: klS,
    kl_div_with_ablation: klZ,
    kl_div_score: has ? klDivScore(klS!, klZ!) : null,
    total_tokens_eval: o.prompts.length * pos,
    ...(o.featureMetrics ? { feature_metrics: acc.featureMetrics() } : {}),
  };
}

/**
 * Adds one batch's CE (clean, SAE, zero ablation) and KL (SAE and ablation against clean) over kept positions, from
 * the three runs' per-position values (logitRunStats). CE at position p predicts token p + 1 and is left out when
 * token p is special (SAELens: mask[:, :-1]).
 */
async function addCeKl(
  runs: LogitRows[],
  tokens: Int32Array,
  keep: Uint8Array,
  ce: { clean: number; sae: number; zero: number; n: number },
  kl: { sae: number; zero: number; n: number },
): Promise<void> {
  const { pos } = runs[0];
  const { ce: [c, s, z], kl: [kS, kZ] } = await logitRunStats(runs, tokens);
  for (let r = 0; r < tokens.length; r++) {
    if (!keep[r] || r % pos === pos - 1) continue;
    ce.clean += c[r];
    ce.sae += s[r];
    ce.zero += z[r];
    ce.n++;
  }
  for (let r = 0; r < tokens.length; r++) {
    if (!keep[r]) continue;
    kl.sae += kS[r];
    kl.zero += kZ[r];
    kl.n++;
  }
}

/** The evaluation as aligned "name value" lines for the terminal. */
export function formatEvalTable(r: EvalResult): string {
  const rows: [string, number | null][] = [
    ["tokens", r.tokens],
    ["l0", r.l0],
    ["mse", r.mse],
    ["explained_variance", r.explained_variance],
    ["explained_variance_legacy", r.explained_variance_legacy],
    ["cossim", r.cossim],
    ["l2_norm_in", r.l2_norm_in],
    ["l2_norm_out", r.l2_norm_out],
    ["l2_ratio", r.l2_ratio],
    ["relative_reconstruction_bias", r.relative_reconstruction_bias],
    ["dead_fraction", r.dead_fraction],
    ["dense_fraction (>0.1)", r.dense_fraction],
    ["ce_loss_without_sae", r.ce_loss_without_sae],
    ["ce_loss_with_sae", r.ce_loss_with_sae],
    ["ce_loss_with_ablation", r.ce_loss_with_ablation],
    ["ce_loss_score", r.ce_loss_score],
    ["kl_div_with_sae", r.kl_div_with_sae],
    ["kl_div_score", r.kl_div_score],
  ];
  const fmt = (v: number | null) => (v === null ? "-" : Number.isInteger(v) ? String(v) : v.toPrecision(5));
  return rows.map(([k, v]) => `  ${k.padEnd(28)} ${fmt(v)}`).join("\n");
}
