// GPT-2 parameters on the host in our layout, and the mapping from a Hugging Face checkpoint's tensors to it.
// HF GPT-2 stores linear layers as Conv1D ([d_in, d_out], applied as x @ W), which is the layout our matmul
// takes as is, so the only rearrangement is the unembedding, kept as W_E's [d_vocab, d_model] rows (x @ U^T).
// Checkpoints may name tensors with or without the "transformer." prefix; both load. Not the GPU upload (gpt2.ts).
import { FormatError, ShapeError, fmt, type Shape } from "@sae/tensor-core";
import type { Gpt2Config } from "./config.ts";

/** A host tensor as read from a checkpoint: any float array (f16/bf16 already widened to f32). */
export interface HostParam {
  shape: Shape;
  data: Float32Array;
}

export interface Gpt2Block {
  ln1W: HostParam; // [d_model]
  ln1B: HostParam; // [d_model]
  W_QKV: HostParam; // [d_model, 3 * d_model]  columns: q heads, k heads, v heads
  b_QKV: HostParam; // [3 * d_model]
  W_O: HostParam; // [d_model, d_model]
  b_O: HostParam; // [d_model]
  ln2W: HostParam; // [d_model]
  ln2B: HostParam; // [d_model]
  W_in: HostParam; // [d_model, d_mlp]
  b_in: HostParam; // [d_mlp]
  W_out: HostParam; // [d_mlp, d_model]
  b_out: HostParam; // [d_model]
}

export interface Gpt2Params {
  W_E: HostParam; // [d_vocab, d_model]
  W_pos: HostParam; // [n_ctx, d_model]
  blocks: Gpt2Block[];
  lnFW: HostParam; // [d_model]
  lnFB: HostParam; // [d_model]
  /** The unembedding stored transposed: logits = x @ W_U_T^T. Tied to W_E until processing changes it. */
  W_U_T: HostParam; // [d_vocab, d_model]
  b_U: HostParam; // [d_vocab]
}

/** What a safetensors reader gives back: a map or record of name -> {shape, data}. */
export type TensorSource = Map<string, { shape: readonly number[]; data: ArrayLike<number> }> | Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;

function lookup(src: TensorSource, name: string): { shape: readonly number[]; data: ArrayLike<number> } | undefined {
  return src instanceof Map ? src.get(name) : src[name];
}

function names(src: TensorSource): string[] {
  return src instanceof Map ? [...src.keys()] : Object.keys(src);
}

/** Converts an HF GPT-2 checkpoint (GPT2Model or GPT2LMHeadModel names) into our params, checking every shape. */
export function paramsFromHf(cfg: Gpt2Config, src: TensorSource, file = "model.safetensors"): Gpt2Params {
  const prefix = lookup(src, "wte.weight") ? "" : lookup(src, "transformer.wte.weight") ? "transformer." : null;
  if (prefix === null) {
    throw new FormatError(`${file}: no "wte.weight" or "transformer.wte.weight" tensor; found ${names(src).slice(0, 8).join(", ")}...`);
  }
  const get = (name: string, shape: Shape): HostParam => {
    const t = lookup(src, prefix + name);
    if (!t) throw new FormatError(`${file}: missing tensor "${prefix + name}" (expected shape ${fmt(shape)})`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${file}: tensor "${prefix + name}" has shape ${fmt([...t.shape])}, expected ${fmt(shape)} for config ${describe(cfg)}`);
    }
    return { shape: [...shape], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
  };
  const { dModel: D, dMlp: M, dVocab: V, nCtx } = cfg;
  const blocks: Gpt2Block[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    const h = `h.${l}.`;
    blocks.push({
      ln1W: get(h + "ln_1.weight", [D]),
      ln1B: get(h + "ln_1.bias", [D]),
      W_QKV: get(h + "attn.c_attn.weight", [D, 3 * D]),
      b_QKV: get(h + "attn.c_attn.bias", [3 * D]),
      W_O: get(h + "attn.c_proj.weight", [D, D]),
      b_O: get(h + "attn.c_proj.bias", [D]),
      ln2W: get(h + "ln_2.weight", [D]),
      ln2B: get(h + "ln_2.bias", [D]),
      W_in: get(h + "mlp.c_fc.weight", [D, M]),
      b_in: get(h + "mlp.c_fc.bias", [M]),
      W_out: get(h + "mlp.c_proj.weight", [M, D]),
      b_out: get(h + "mlp.c_proj.bias", [D]),
    });
  }
  const W_E = get("wte.weight", [V, D]);
  return {
    W_E,
    W_pos: get("wpe.weight", [nCtx, D]),
    blocks,
    lnFW: get("ln_f.weight", [D]),
    lnFB: get("ln_f.bias", [D]),
    W_U_T: W_E,
    b_U: { shape: [V], data: new Float32Array(V) },
  };
}

export function describe(cfg: Gpt2Config): string {
  return `{n_layer ${cfg.nLayers}, n_embd ${cfg.dModel}, n_head ${cfg.nHeads}, vocab ${cfg.dVocab}, n_positions ${cfg.nCtx}}`;
}
