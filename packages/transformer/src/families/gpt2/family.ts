// GPT-2 (model_type "gpt2"): learned positions, LayerNorm, fused Conv1D c_attn split into W_Q, W_K, W_V, tanh gelu,
// tied unembedding. Reuses the GPT-2 config parser and tensor reader that loadGpt2 has always used.
import { parseGpt2Config } from "../../model/config.ts";
import { gpt2Arch, type ModelConfig } from "../../model/arch.ts";
import type { BlockParams, HfTensors, ModelParams } from "../../model/params.ts";
import { paramsFromHf, type Gpt2Block, type Gpt2Params, type HostParam } from "../../model/weights.ts";
import type { Family } from "../family.ts";

/** Columns [from, to) of a row-major [rows, cols] matrix (or a slice of a vector). */
function columns(p: HostParam, from: number, to: number): HostParam {
  if (p.shape.length === 1) return { shape: [to - from], data: p.data.slice(from, to) };
  const [rows, cols] = p.shape;
  const out = new Float32Array(rows * (to - from));
  for (let i = 0; i < rows; i++) out.set(p.data.subarray(i * cols + from, i * cols + to), i * (to - from));
  return { shape: [rows, to - from], data: out };
}

/** GPT-2's block (fused QKV) as the shared block layout. */
export function blockFromGpt2(b: Gpt2Block): BlockParams {
  const D = b.W_O.shape[0];
  const { W_QKV, b_QKV, ...rest } = b;
  return {
    ...rest,
    W_Q: columns(W_QKV, 0, D),
    W_K: columns(W_QKV, D, 2 * D),
    W_V: columns(W_QKV, 2 * D, 3 * D),
    b_Q: columns(b_QKV, 0, D),
    b_K: columns(b_QKV, D, 2 * D),
    b_V: columns(b_QKV, 2 * D, 3 * D),
  };
}

/** The shared block layout back to GPT-2's fused QKV. */
export function blockToGpt2(b: BlockParams): Gpt2Block {
  const D = b.W_O.shape[0];
  const W_QKV = new Float32Array(D * 3 * D);
  for (let i = 0; i < D; i++) {
    [b.W_Q, b.W_K, b.W_V].forEach((w, part) => W_QKV.set(w.data.subarray(i * D, (i + 1) * D), i * 3 * D + part * D));
  }
  const b_QKV = new Float32Array(3 * D);
  [b.b_Q, b.b_K, b.b_V].forEach((v, part) => b_QKV.set(v.data, part * D));
  const { ln1W, ln1B, W_O, b_O, ln2W, ln2B, W_in, b_in, W_out, b_out } = b;
  const fused = { W_QKV: { shape: [D, 3 * D], data: W_QKV }, b_QKV: { shape: [3 * D], data: b_QKV } };
  return { ln1W, ln1B, ...fused, W_O, b_O, ln2W, ln2B, W_in, b_in, W_out, b_out };
}

export function paramsFromGpt2(p: Gpt2Params): ModelParams {
  return { ...p, blocks: p.blocks.map(blockFromGpt2) };
}

export const gpt2: Family = {
  config: (f) => gpt2Arch(parseGpt2Config(f.json, f.file)),
  params: (cfg: ModelConfig, t: HfTensors) => paramsFromGpt2(paramsFromHf(cfg, t.src, t.file)),
};
