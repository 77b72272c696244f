// evaluateSae against SAELens 6.18's own run_evals (fixtures/saelens_evals.json, written by
// scripts/saelens_eval_goldens.py): the harness's stand-in language model (resid = E[tokens] at
// blocks.0.hook_resid_pre, logits = tanh(resid) @ U) is rebuilt here, the SAE is the project's Sae with the same
// parameters, and every metric run_evals reports must agree within 1e-5 abs / 1e-4 rel; the logits read in blocks
// of 3 positions (LogitRows, the path a large vocabulary takes) give the same CE and KL.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeConfig, Sae, type ArchitectureName } from "@sae/core";
import { getDevice, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { hostLogitRows, type LogitRows } from "@sae/transformer";
import type { Replacement } from "../model-hooks.ts";
import { evaluateSae, type EvalHook } from "./evaluate.ts";
import { weightMetrics } from "./weights.ts";

interface Enc {
  shape: number[];
  data: (number | string)[];
}
const num = (v: number | string): number => (typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity);
const f32 = (t: Enc) => Float32Array.from(t.data, num);
const fx = JSON.parse(readFileSync(join(import.meta.dir, "../../fixtures/saelens_evals.json"), "utf8"));
const device = await getDevice();

/**
 * The harness's TinyLM: resid = E[tokens]; logits = tanh(resid) @ U (float32 like torch); with `mix`, the generator's
 * MixLM: logits[t] = tanh(resid[t] + mix * resid[t - 1]) @ U, so excluded positions must stay clean when spliced.
 */
class StandInLm implements EvalHook {
  readonly model: { cfg: { dVocab: number } };
  readonly E: Float32Array; // [vocab, d_in]
  readonly U: Float32Array; // [d_in, vocab]
  readonly dIn: number;
  readonly vocab: number;
  readonly mix: number;
  blockRows: number | null = null;
  constructor(E: Float32Array, U: Float32Array, dIn: number, vocab: number, mix = 0) {
    [this.E, this.U, this.dIn, this.vocab, this.mix] = [E, U, dIn, vocab, mix];
    this.model = { cfg: { dVocab: vocab } };
  }

  async tensor(tokens: Int32Array): Promise<Tensor> {
    const d = this.dIn;
    const x = new Float32Array(tokens.length * d);
    tokens.forEach((t, i) => x.set(this.E.subarray(t * d, (t + 1) * d), i * d));
    return Tensor.from(device, [tokens.length, d], x, "resid");
  }

  private head(resid: ArrayLike<number>, pos: number): Float32Array {
    const { dIn: d, vocab: v } = this;
    const rows = resid.length / d;
    const out = new Float32Array(rows * v);
    for (let r = 0; r < rows; r++) {
      const prev = r % pos === 0 ? null : (r - 1) * d;
      for (let j = 0; j < v; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) {
          const a = resid[r * d + c] + (prev === null ? 0 : Math.fround(this.mix * resid[prev + c]));
          s += Math.fround(Math.tanh(Math.fround(a))) * this.U[c * v + j];
        }
        out[r * v + j] = s;
      }
    }
    return out;
  }

  /** Logits as host LogitRows read `blockRows` positions at a time (the blocked path a large vocabulary takes). */
  async logitRows(tokens: Int32Array, batch: number, pos: number, replace?: Replacement): Promise<LogitRows> {
    const rows = (values: Float32Array) => hostLogitRows(values, batch, pos, this.vocab, this.blockRows ?? batch * pos);
    if (replace === "zero") return rows(this.head(new Float32Array(tokens.length * this.dIn), pos));
    const x = await this.tensor(tokens);
    const y = replace ? await replace(x) : x;
    const out = this.head(await y.read(), pos);
    x.dispose();
    if (y !== x) y.dispose();
    return rows(out);
  }
}

/** Closeness with NaN allowed where the golden is NaN (0 / 0 in SAELens's consistent_activation_heuristic). */
function close(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const g: number[] = [];
  const w: number[] = [];
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(`${what}[${i}] NaN ${Number.isNaN(got[i])}`).toBe(`${what}[${i}] NaN ${Number.isNaN(want[i])}`);
    if (!Number.isNaN(want[i])) {
      g.push(got[i]);
      w.push(want[i]);
    }
  }
  assertClose(what, g, w, 1e-4, 1e-5);
}

describe("evaluateSae vs SAELens 6.18 run_evals", () => {
  for (const c of fx.cases) {
    test(c.name, async () => {
      const [vocab, dIn] = c.E.shape;
      const dSae = c.params.W_enc.shape[1];
      const host = Object.fromEntries(Object.entries(c.params as Record<string, Enc>).map(([k, v]) => [k, f32(v)]));
      const cfg = makeConfig({ architecture: c.architecture as ArchitectureName, d_in: dIn, d_sae: dSae, k: c.k ?? null });
      const sae = Sae.fromHost(device, cfg, host);
      sae.activationScale = c.activation_scaling_factor;
      const lm = new StandInLm(f32(c.E), f32(c.U), dIn, vocab, c.mixing ?? 0);
      const prompts: Int32Array[] = [];
      for (const b of c.token_batches as Enc[]) {
        const [B, pos] = b.shape;
        for (let i = 0; i < B; i++) prompts.push(Int32Array.from(b.data.slice(i * pos, (i + 1) * pos), num));
      }
      const excludeIds = c.exclude_special_tokens === false ? [] : (c.exclude_special_tokens as number[]);
      const batchPrompts = c.token_batches[0].shape[0];
      const r = await evaluateSae(lm, sae, { prompts, batchPrompts, excludeIds, deadThreshold: 1e-8, featureMetrics: true });
      const want: Record<string, number> = Object.assign({}, ...Object.values(c.metrics as Record<string, Record<string, number>>));
      const got = r as unknown as Record<string, number>;
      const names = Object.keys(want).filter((k) => !k.startsWith("total_tokens"));
      expect(names.length).toBe(17);
      for (const k of names) close(k, [got[k]], [want[k]]);
      expect(r.total_tokens_eval).toBe(want.total_tokens_eval_reconstruction);
      expect(r.tokens).toBe(prompts.length * prompts[0].length - (excludeIds.length ? 9 : 0)); // 8 BOS + one 0 mid-prompt
      close("feature_density", r.feature_metrics!.feature_density, c.feature_metrics.feature_density.map(num));
      close("consistent_activation_heuristic", r.feature_metrics!.consistent_activation_heuristic, c.feature_metrics.consistent_activation_heuristic.map(num));
      const wm = weightMetrics(host.W_enc, host.W_dec, host.b_enc ?? null, dIn, dSae);
      for (const [k, v] of Object.entries((c.featurewise_weight_based_metrics ?? {}) as Record<string, number[]>)) {
        close(k, wm[k as keyof typeof wm]!, v);
      }
      // the logits in blocks of 3 positions (not dividing pos): the same sums in the same order, so equal results
      lm.blockRows = 3;
      const blocked = await evaluateSae(lm, sae, { prompts, batchPrompts, excludeIds, deadThreshold: 1e-8 });
      for (const k of ["ce_loss_without_sae", "ce_loss_with_sae", "ce_loss_with_ablation"] as const) {
        expect(blocked[k]).toBe(r[k]);
      }
      expect([blocked.kl_div_with_sae, blocked.kl_div_with_ablation]).toEqual([r.kl_div_with_sae, r.kl_div_with_ablation]);
    });
  }
});
