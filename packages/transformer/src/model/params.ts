// Model parameters on the host in TransformerLens-style names and our layout (every weight [d_in, d_out], applied as
// x @ W), for every family; and the checked reader that families use to pull Hugging Face tensors into it
// (nn.Linear's [out, in] transposed on the way). Every bias exists (zeros where the family has none) so weight
// processing and the forward need no special cases. Not the GPU upload (hooked_transformer.ts).
import { FormatError, ShapeError, fmt, type Shape } from "@sae/tensor-core";
import type { HostParam, TensorSource } from "./weights.ts";

export interface BlockParams {
  ln1W: HostParam; // [d_model]
  ln1B: HostParam; // [d_model]
  W_Q: HostParam; // [d_model, n_heads * d_head]
  b_Q: HostParam; // [n_heads * d_head]
  W_K: HostParam; // [d_model, n_kv_heads * d_head]
  b_K: HostParam; // [n_kv_heads * d_head]
  W_V: HostParam; // [d_model, n_kv_heads * d_head]
  b_V: HostParam; // [n_kv_heads * d_head]
  W_O: HostParam; // [n_heads * d_head, d_model]
  b_O: HostParam; // [d_model]
  ln2W: HostParam; // [d_model]
  ln2B: HostParam; // [d_model]
  /** Gated MLPs only: the gate, act(x W_gate + b_gate) * (x W_in + b_in). */
  W_gate?: HostParam; // [d_model, d_mlp]
  b_gate?: HostParam; // [d_mlp]
  W_in: HostParam; // [d_model, d_mlp]
  b_in: HostParam; // [d_mlp]
  W_out: HostParam; // [d_mlp, d_model]
  b_out: HostParam; // [d_model]
  /** Post norms (Gemma 2): applied to the attention / MLP output before the residual add. */
  ln1PostW?: HostParam; // [d_model]
  ln1PostB?: HostParam; // [d_model]
  ln2PostW?: HostParam; // [d_model]
  ln2PostB?: HostParam; // [d_model]
}

export interface ModelParams {
  /** Any embedding scale (Gemma 2's sqrt(d_model)) is already multiplied in. */
  W_E: HostParam; // [d_vocab, d_model]
  /** Learned positions only. */
  W_pos?: HostParam; // [n_ctx, d_model]
  blocks: BlockParams[];
  lnFW: HostParam; // [d_model]
  lnFB: HostParam; // [d_model]
  /** The unembedding stored transposed: logits = x @ W_U_T^T + b_U. */
  W_U_T: HostParam; // [d_vocab, d_model]
  b_U: HostParam; // [d_vocab]
}

export const zeros = (n: number): HostParam => ({ shape: [n], data: new Float32Array(n) });
export const clone = (p: HostParam): HostParam => ({ shape: [...p.shape], data: p.data.slice() });

/** [rows, cols] -> [cols, rows]. */
export function transposed(p: HostParam): HostParam {
  const [r, c] = p.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = p.data[i * c + j];
  return { shape: [c, r], data: out };
}

/** Reads named tensors of one checkpoint, checking shapes; messages name the file, tensor and config. */
export class HfTensors {
  readonly src: TensorSource;
  readonly file: string;
  readonly describe: string;

  constructor(src: TensorSource, file: string, describe: string) {
    this.src = src;
    this.file = file;
    this.describe = describe;
  }

  has(name: string): boolean {
    return (this.src instanceof Map ? this.src.get(name) : this.src[name]) !== undefined;
  }

  names(): string[] {
    return this.src instanceof Map ? [...this.src.keys()] : Object.keys(this.src);
  }

  /** The tensor as stored, which must have this shape. */
  get(name: string, shape: Shape): HostParam {
    const t = this.src instanceof Map ? this.src.get(name) : this.src[name];
    if (!t) {
      const found = this.names().slice(0, 6).join(", ");
      throw new FormatError(`${this.file}: missing tensor "${name}" (expected shape ${fmt(shape)}); found ${found}...`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      const got = fmt([...t.shape]);
      const want = `${fmt(shape)} for config ${this.describe}`;
      throw new ShapeError(`${this.file}: tensor "${name}" has shape ${got}, expected ${want}`);
    }
    return { shape: [...shape], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
  }

  /** An nn.Linear weight [d_out, d_in] as our [d_in, d_out]. */
  linear(name: string, dOut: number, dIn: number): HostParam {
    return transposed(this.get(name, [dOut, dIn]));
  }

  /** A bias when the checkpoint has it, zeros otherwise. */
  biasOrZeros(name: string, n: number): HostParam {
    return this.has(name) ? this.get(name, [n]) : zeros(n);
  }
}
