// The model's params on the device, and the one helper the forward multiplies by a weight with. Weight matrices
// (W_E, W_U_T and each block's W_Q/K/V/O, W_in, W_gate, W_out) are plain f32 Tensors by default, or PackedMatrix
// words (tensor-core packed.ts) when the model is loaded with dtype "f16" / "bf16" or when a matrix is larger than
// one storage binding (a Gemma-2-sized vocab: packed f32 in row chunks). Norm weights, biases and W_pos stay f32.
// Not the forward (hooked_transformer.ts, block.ts) nor host-side processing (process.ts).
import {
  LimitError,
  PackedMatrix,
  Tensor,
  embedding,
  embeddingPacked,
  matmul,
  matmulPacked,
  type Device,
  type PackedFormat,
} from "@sae/tensor-core";
import type { BlockParams, ModelParams } from "./params.ts";
import type { HostParam } from "./weights.ts";

/** How weight matrices are held on the device. */
export type WeightDType = PackedFormat;

export type Weight = Tensor | PackedMatrix;

const MATRICES = ["W_Q", "W_K", "W_V", "W_O", "W_in", "W_gate", "W_out"] as const;
type Matrix = (typeof MATRICES)[number];

/** A block's params on the device: matrices as Weight, the rest f32 tensors. */
export type DeviceBlock = {
  [K in keyof BlockParams]-?:
    | (K extends Matrix ? Weight : Tensor)
    | (undefined extends BlockParams[K] ? undefined : never);
};

export interface DeviceWeights {
  W_E: Weight; // [d_vocab, d_model]
  W_pos?: Tensor; // [n_ctx, d_model]
  blocks: DeviceBlock[];
  lnFW: Tensor;
  lnFB: Tensor;
  W_U_T: Weight; // [d_vocab, d_model]
  b_U: Tensor;
}

export interface UploadOptions {
  dtype?: WeightDType;
  /** Most bytes of one device buffer (default: the device's binding limit, maxBinding); tests force it small. */
  maxBindingBytes?: number;
}

const F16_MAX = 65504;

/** f16 holds |x| <= 65504; a matrix with larger values stays f32 (bf16 has f32's range). */
function fitsFormat(format: PackedFormat, data: Float32Array): boolean {
  if (format !== "f16") return true;
  for (let i = 0; i < data.length; i++) if (!(Math.abs(data[i]) <= F16_MAX)) return false;
  return true;
}

/** One matrix: packed in `dtype`, or an f32 Tensor when f32 fits one binding, else packed f32 in row chunks. */
function uploadMatrix(device: Device, p: HostParam, label: string, o: UploadOptions): Weight {
  const data = p.data;
  const maxBytes = o.maxBindingBytes ?? device.maxBinding;
  const dtype = o.dtype ?? "f32";
  if (dtype !== "f32" && fitsFormat(dtype, data)) {
    return PackedMatrix.upload(device, p.shape, data, dtype, { label, maxChunkBytes: maxBytes });
  }
  if (data.length * 4 <= maxBytes) return Tensor.from(device, p.shape, data, label);
  return PackedMatrix.upload(device, p.shape, data, "f32", { label, maxChunkBytes: maxBytes });
}

/** Host params -> device weights. A tied unembedding (W_U_T === W_E) is uploaded once. */
export function uploadWeights(device: Device, params: ModelParams, o: UploadOptions = {}): DeviceWeights {
  const up = (p: HostParam, label: string) => Tensor.from(device, p.shape, p.data, label);
  const blocks = params.blocks.map((b, l) => {
    const entries = Object.entries(b).filter(([, v]) => v !== undefined) as [keyof BlockParams, HostParam][];
    const label = (k: string) => `blocks.${l}.${k}`;
    return Object.fromEntries(
      entries.map(([k, v]) => {
        const matrix = (MATRICES as readonly string[]).includes(k);
        return [k, matrix ? uploadMatrix(device, v, label(k), o) : up(v, label(k))];
      }),
    ) as DeviceBlock;
  });
  const W_E = uploadMatrix(device, params.W_E, "W_E", o);
  return {
    W_E,
    W_pos: params.W_pos && up(params.W_pos, "W_pos"),
    blocks,
    lnFW: up(params.lnFW, "lnFW"),
    lnFB: up(params.lnFB, "lnFB"),
    W_U_T: params.W_U_T === params.W_E ? W_E : uploadMatrix(device, params.W_U_T, "W_U_T", o),
    b_U: up(params.b_U, "b_U"),
  };
}

/** Every device buffer of the weights once (a tied unembedding counted once). */
export function weightParts(w: DeviceWeights): Weight[] {
  const all: Weight[] = [w.W_E, w.lnFW, w.lnFB, w.W_U_T, w.b_U, ...(w.W_pos ? [w.W_pos] : [])];
  for (const b of w.blocks) for (const t of Object.values(b)) if (t) all.push(t as Weight);
  return [...new Set(all)];
}

/** "weights 1.23 GB on the device (f16)": the line the CLI prints where it loads a model. */
export function formatWeightMemory(m: { weightBytes: number; dtype: WeightDType }): string {
  const units = [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"]] as const;
  const [div, unit] = units.find(([d]) => m.weightBytes >= d) ?? [1, "bytes"];
  return `weights ${(m.weightBytes / div).toFixed(div === 1 ? 0 : 2)} ${unit} on the device (${m.dtype})`;
}

/** x [..., K] @ W (+ bias), W [K, N] or with transB [N, K]: the f32 matmul or the packed one. */
export function linear(x: Tensor, W: Weight, opts: { bias?: Tensor; transB?: boolean; out?: Tensor } = {}): Tensor {
  return W instanceof PackedMatrix ? matmulPacked(x, W, opts) : matmul(x, W, opts);
}

/** Rows of an embedding table by ids i32 [n] -> [n, d_model]. */
export function gatherRows(table: Weight, ids: Tensor, out: Tensor): Tensor {
  return table instanceof PackedMatrix ? embeddingPacked(table, ids, { out }) : embedding(table, ids, { out });
}

/** W_U_T as f32 [d_vocab, d_model] on the host. */
export async function readWeight(W: Weight): Promise<Float32Array> {
  if (W instanceof PackedMatrix) return W.read();
  if (W.dtype !== "f32") throw new LimitError(`weight ${W.label} is ${W.dtype}, not f32`);
  return (await W.read()) as Float32Array;
}
