// Tiny CPU-backed fakes of a language model and an SAE that satisfy AnalysisModel / AnalysisSae, for tests of
// the analysis functions, the server and the CLI. Not a model: embeddings + positions, one hook point, a linear
// unembedding. Every weight is exposed on the host so tests can compute expected values independently.
import { penalizeFrequency, Rng, sampleToken, Tensor, type Device, type HostTensor } from "@sae/tensor-core";
import { throwIfCancelled } from "@sae/tensor-core";
import { nextTokenLosses } from "./ablate.ts";
import type { ActivationHook, AnalysisModel, AnalysisSae, AnalysisSaeConfig, SampleOptions } from "./types.ts";

export const FAKE_HOOK = "blocks.0.hook_resid_pre";
const WORDS = ["<bos>", "<unk>", " the", " cat", " sat", " on", " mat", " dog", " ran", " to", " a", " red", " big", " house", " and", "."];

function randn(rng: Rng, n: number, std: number): Float32Array {
  return rng.normalArray(n, std);
}

export class FakeModel implements AnalysisModel {
  readonly name = "fake-tiny";
  readonly device: Device;
  readonly vocab = WORDS;
  readonly vocabSize = WORDS.length;
  readonly d_model: number;
  /** [vocab, d_model] */
  readonly W_E: Float32Array;
  /** [n_ctx, d_model] */
  readonly W_pos: Float32Array;
  /** [d_model, vocab] */
  readonly W_U: Float32Array;
  readonly nCtx = 64;
  /** Counts hookActivations calls (tests of batching). */
  calls = 0;
  /** Test reference for steering: a [d_model] vector added to the hook activation on the CPU when set. */
  offset: Float32Array | null = null;
  /** Counts generate's token passes; each waits passDelayMs first (tests of cancelling a running generation). */
  passes = 0;
  passDelayMs = 0;

  constructor(device: Device, opts: { d_model?: number; seed?: number } = {}) {
    this.device = device;
    this.d_model = opts.d_model ?? 6;
    const rng = new Rng(opts.seed ?? 1);
    this.W_E = randn(rng, this.vocabSize * this.d_model, 1);
    this.W_pos = randn(rng, this.nCtx * this.d_model, 0.1);
    this.W_U = randn(rng, this.d_model * this.vocabSize, 1);
  }

  toIds(text: string): number[] {
    const words = text.match(/\s*[^\s.]+|\./g) ?? [];
    return [0, ...words.map((w) => {
      const i = WORDS.indexOf(w.startsWith(" ") || w === "." ? w : ` ${w}`);
      return i < 0 ? 1 : i;
    })];
  }

  idsToStrings(ids: readonly number[]): string[] {
    return ids.map((i) => WORDS[i] ?? "<unk>");
  }

  /** The hook activation on the CPU: W_E[id] + W_pos[p], [batch * pos * d_model]. */
  residual(ids: readonly (readonly number[])[]): Float32Array {
    const D = this.d_model;
    const pos = ids[0]?.length ?? 0;
    const out = new Float32Array(ids.length * pos * D);
    ids.forEach((seq, b) => seq.forEach((id, p) => {
      for (let d = 0; d < D; d++) out[(b * pos + p) * D + d] = this.W_E[id * D + d] + this.W_pos[p * D + d] + (this.offset?.[d] ?? 0);
    }));
    return out;
  }

  async hookActivations(ids: readonly (readonly number[])[], hook: string): Promise<Tensor> {
    if (hook !== FAKE_HOOK) throw new Error(`fake model has no hook '${hook}' (it has ${FAKE_HOOK})`);
    this.calls++;
    return Tensor.from(this.device, [ids.length, ids[0].length, this.d_model], this.residual(ids), "fake resid");
  }

  /** Logits on the CPU from a residual [rows * d_model] -> [rows * vocab]. */
  unembed(resid: Float32Array): Float32Array {
    const D = this.d_model;
    const V = this.vocabSize;
    const rows = resid.length / D;
    const out = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) for (let v = 0; v < V; v++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += resid[r * D + d] * this.W_U[d * V + v];
      out[r * V + v] = s;
    }
    return out;
  }

  private async hooked(ids: readonly (readonly number[])[], hooks?: Record<string, ActivationHook>): Promise<Float32Array> {
    const resid = this.residual(ids);
    const hook = hooks?.[FAKE_HOOK];
    if (!hook) return resid;
    const t = Tensor.from(this.device, [ids.length, ids[0].length, this.d_model], resid, "fake resid");
    const r = hook(t);
    const out = r ? ((await r.read()) as Float32Array) : resid;
    if (r && r !== t) r.dispose();
    t.dispose();
    return out;
  }

  async logits(ids: readonly (readonly number[])[], hooks?: Record<string, ActivationHook>): Promise<Tensor> {
    const logits = this.unembed(await this.hooked(ids, hooks));
    return Tensor.from(this.device, [ids.length, ids[0].length, this.vocabSize], logits, "fake logits");
  }

  async tokenLosses(ids: readonly number[], hooks?: Record<string, ActivationHook>): Promise<number[]> {
    return nextTokenLosses(this.unembed(await this.hooked([ids], hooks)), ids, this.vocabSize);
  }

  async generate(prompt: string, opts: SampleOptions): Promise<string> {
    const ids = this.toIds(prompt);
    const rng = new Rng(opts.seed);
    const V = this.vocabSize;
    const out: number[] = [];
    for (let t = 0; t < opts.maxNewTokens; t++) {
      throwIfCancelled(opts.signal, `fake generate after ${t} of ${opts.maxNewTokens} new tokens`);
      this.passes++;
      if (this.passDelayMs > 0) await new Promise((r) => setTimeout(r, this.passDelayMs));
      const seq = [...ids, ...out].slice(-this.nCtx);
      const logits = this.unembed(await this.hooked([seq], opts.hooks)).subarray((seq.length - 1) * V);
      const row = penalizeFrequency(logits, seq, opts.freqPenalty ?? 0);
      out.push(sampleToken(row, opts.temperature, opts.topK, rng));
    }
    return this.idsToStrings(out).join("");
  }

  async unembedding(): Promise<HostTensor<"f32">> {
    return { shape: [this.d_model, this.vocabSize], dtype: "f32", data: this.W_U };
  }
}

/** A ReLU SAE computed on the CPU: f = relu((x - b_dec) W_enc + b_enc). */
export class FakeSae implements AnalysisSae {
  readonly cfg: AnalysisSaeConfig;
  readonly device: Device;
  /** [d_in, d_sae] */
  readonly W_enc: Float32Array;
  readonly b_enc: Float32Array;
  /** [d_sae, d_in] on the host */
  readonly W_dec_host: Float32Array;
  readonly b_dec: Float32Array;
  readonly W_dec: Tensor;

  constructor(device: Device, opts: { d_in?: number; d_sae?: number; seed?: number; neuronpedia_id?: string | null } = {}) {
    const d_in = opts.d_in ?? 6;
    const d_sae = opts.d_sae ?? 20;
    this.device = device;
    this.cfg = { d_in, d_sae, hook_name: FAKE_HOOK, neuronpedia_id: opts.neuronpedia_id ?? null, model_name: "fake-tiny" };
    const rng = new Rng(opts.seed ?? 2);
    this.W_enc = randn(rng, d_in * d_sae, 1);
    this.b_enc = randn(rng, d_sae, 0.5);
    this.W_dec_host = randn(rng, d_sae * d_in, 0.5);
    this.b_dec = randn(rng, d_in, 0.1);
    this.W_dec = Tensor.from(device, [d_sae, d_in], this.W_dec_host, "fake W_dec");
  }

  /** [rows * d_in] -> [rows * d_sae] on the CPU. */
  encodeHost(x: Float32Array): Float32Array {
    const { d_in, d_sae } = this.cfg;
    const rows = x.length / d_in;
    const f = new Float32Array(rows * d_sae);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d_sae; j++) {
      let s = this.b_enc[j];
      for (let d = 0; d < d_in; d++) s += (x[r * d_in + d] - this.b_dec[d]) * this.W_enc[d * d_sae + j];
      f[r * d_sae + j] = Math.max(0, s);
    }
    return f;
  }

  async encode(x: Tensor): Promise<Tensor> {
    const rows = x.size / this.cfg.d_in;
    return Tensor.from(this.device, [rows, this.cfg.d_sae], this.encodeHost((await x.read()) as Float32Array), "fake f");
  }
}
