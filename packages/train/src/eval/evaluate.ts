// Evaluates an SAE on held-out prompts: reconstruction and sparsity metrics on the hook's activations (BOS/pad
// positions excluded), feature density, and the downstream CE loss score and KL divergence with the SAE spliced
// into the model, against the clean run and a zero ablation of the hook (SAELens's run_evals). The metric maths
// lives in metrics.ts; this file only runs the model and the SAE and feeds the accumulators.
import { Tensor } from "@sae/tensor-core";
import type { ModelHook } from "../model-hooks.ts";
import { ceLossScore, crossEntropyPerToken, densityMetrics, klDivPerToken, klDivScore, ReconstructionAccumulator, type Histogram, type ReconstructionMetrics } from "./metrics.ts";

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
}

export async function evaluateSae(hook: ModelHook, sae: EvalSae, o: EvalOptions): Promise<EvalResult> {
  const { d_in: d, d_sae: s } = sae.cfg;
  const acc = new ReconstructionAccumulator(d, s);
  const ce = { clean: 0, sae: 0, zero: 0, n: 0 };
  const kl = { sae: 0, zero: 0, n: 0 };
  const pos = o.prompts[0]?.length ?? 0;
  const spliced = async (x: Tensor): Promise<Tensor> => {
    const f = await sae.encode(x);
    const out = sae.decode(f);
    f.dispose();
    return out;
  };
  for (let at = 0; at < o.prompts.length; at += o.batchPrompts) {
    const group = o.prompts.slice(at, at + o.batchPrompts);
    const B = group.length;
    const tokens = new Int32Array(B * pos);
    group.forEach((p, i) => tokens.set(p, i * pos));
    const x = await hook.tensor(tokens, B, pos); // [B * pos, d_in]
    const f = await sae.encode(x);
    const xHat = sae.decode(f);
    const [xs, hs, fs] = [await x.read(), await xHat.read(), await f.read()];
    for (const t of [x, f, xHat]) t.dispose();
    let rows = 0;
    for (let t = 0; t < B * pos; t++) {
      if (o.excludeIds.includes(tokens[t])) continue;
      if (rows !== t) {
        xs.copyWithin(rows * d, t * d, (t + 1) * d);
        hs.copyWithin(rows * d, t * d, (t + 1) * d);
        fs.copyWithin(rows * s, t * s, (t + 1) * s);
      }
      rows++;
    }
    acc.add(xs.subarray(0, rows * d), hs.subarray(0, rows * d), fs.subarray(0, rows * s), rows);
    if (o.reconstructionOnly) continue;
    const vocab = hook.model.cfg.dVocab;
    const clean = await hook.logits(tokens, B, pos);
    const withSae = await hook.logitsWith(tokens, B, pos, spliced);
    const zero = await hook.logitsWith(tokens, B, pos, "zero");
    for (const [key, logits] of [["clean", clean], ["sae", withSae], ["zero", zero]] as const) {
      const v = crossEntropyPerToken(logits, tokens, B, pos, vocab);
      for (const c of v) ce[key] += c;
    }
    ce.n += B * (pos - 1);
    const kS = klDivPerToken(clean, withSae, B * pos, vocab);
    const kZ = klDivPerToken(clean, zero, B * pos, vocab);
    for (let i = 0; i < kS.length; i++) {
      kl.sae += kS[i];
      kl.zero += kZ[i];
    }
    kl.n += B * pos;
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
  };
}

/** The evaluation as aligned "name value" lines for the terminal. */
export function formatEvalTable(r: EvalResult): string {
  const rows: [string, number | null][] = [
    ["tokens", r.tokens],
    ["l0", r.l0],
    ["mse", r.mse],
    ["explained_variance", r.explained_variance],
    ["cossim", r.cossim],
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
  return rows.map(([k, v]) => `  ${k.padEnd(24)} ${fmt(v)}`).join("\n");
}
