// The unembedding for vocabularies whose logits [batch, pos, d_vocab] do not fit one storage binding (Gemma 2's
// 256,000 tokens at 8 x 128 positions are 1 GB in f32). LogitRows hands out a run's logits in blocks of positions:
// it holds either the logits tensor itself (when it fits one binding: the plain path, nothing is recomputed) or the
// final-normed residual [batch * pos, d_model], unembedding only the rows a read asks for. fullLogits is forward's
// [batch, pos, d_vocab] tensor, filled block by block when it is over one binding. Host maths over the rows (losses,
// KL, top-k) is logit_stats.ts, on the device through `tensor` where the rows have one; the forward pass is
// hooked_transformer.ts.
import { LimitError, Tensor, activate, copy, copyWindow, fmt, type Device } from "@sae/tensor-core";
import { gatherRows, linear, type Weight } from "./device_weights.ts";

/** The unembedding as the model holds it (device tensors owned by the model: do not dispose). */
export interface Unembedding {
  /** [d_vocab, d_model]  logits = x @ W_U_T^T + b_U; a PackedMatrix when held in f16/bf16 or over one binding. */
  W_U_T: Weight;
  b_U: Tensor; // [d_vocab]
  /** Final logit soft cap (cap * tanh(logits / cap)); 0 = none. */
  softcap: number;
}

/** A run's logits, read in blocks of flattened rows (row = b * pos + p). */
export interface LogitRows {
  readonly batch: number;
  readonly pos: number;
  readonly dVocab: number;
  /** Most rows one read should span so that its logits fit one binding (all rows when they do). */
  readonly blockRows: number;
  /** Logits of rows [r0, r1): [r1 - r0, d_vocab] on the host. */
  read(r0: number, r1: number): Promise<Float32Array>;
  /**
   * Logits of rows [r0, r1) on the device, [r1 - r0, d_vocab] (within blockRows rows it fits one binding); the caller
   * disposes it (a view of the held tensor frees nothing). Absent for host rows.
   */
  tensor?(r0: number, r1: number): Tensor;
  /** Frees what the rows hold on the device (nothing for host rows). */
  dispose(): void;
}

/** Logits of x [n, d_model] as a fresh [n, d_vocab] tensor. */
export function unembedRows(x: Tensor, u: Unembedding): Tensor {
  const raw = linear(x, u.W_U_T, { transB: true, bias: u.b_U });
  if (u.softcap <= 0) return raw;
  const out = activate(raw, "softcap", { cap: u.softcap });
  raw.dispose();
  return out;
}

/** Rows of `dVocab` f32 logits that fit one binding (a multiple of `step` when more than one block is needed). */
export function logitBlockRows(device: Device, op: string, rows: number, dVocab: number, step = 1): number {
  const rowBytes = dVocab * 4;
  if (rows * rowBytes <= device.maxBinding) return Math.max(rows, 1);
  const fit = Math.floor(device.maxBinding / rowBytes / step) * step;
  if (fit < 1) {
    const what = `${Math.max(step, 1)} row(s) of ${dVocab} logits (${rowBytes * Math.max(step, 1)} bytes)`;
    throw new LimitError(`${op}: ${what} do not fit one binding of ${device.maxBinding} bytes on ${device.describe()}`);
  }
  return fit;
}

function checkRange(r: LogitRows, r0: number, r1: number): void {
  const n = r.batch * r.pos;
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= n)) {
    const shape = fmt([r.batch, r.pos, r.dVocab]);
    throw new LimitError(`logit rows [${r0}, ${r1}) are not within the ${n} rows of ${shape}`);
  }
}

/** The plain path: the whole logits tensor [batch, pos, d_vocab] (fits one binding), rows read as byte ranges. */
class TensorRows implements LogitRows {
  readonly batch: number;
  readonly pos: number;
  readonly dVocab: number;
  readonly blockRows: number;
  private readonly logits: Tensor;

  constructor(logits: Tensor) {
    [this.batch, this.pos, this.dVocab] = logits.shape;
    this.blockRows = this.batch * this.pos;
    this.logits = logits;
  }

  async read(r0: number, r1: number): Promise<Float32Array> {
    checkRange(this, r0, r1);
    if (r1 === r0) return new Float32Array(0);
    const V = this.dVocab;
    return new Float32Array(await this.logits.device.readBuffer(this.logits.buffer, (r1 - r0) * V * 4, r0 * V * 4));
  }

  tensor(r0: number, r1: number): Tensor {
    checkRange(this, r0, r1);
    const [V, dev] = [this.dVocab, this.logits.device];
    const flat = this.logits.reshape([this.batch * this.pos, V]);
    if ((r0 * V * 4) % dev.limits.minStorageBufferOffsetAlignment === 0) return flat.rows(r0, r1);
    const out = Tensor.empty(dev, [r1 - r0, V], "f32", "logit rows block"); // a view would start unaligned
    copyWindow(flat, { r0, c0: 0, stride: V }, out, { r0: 0, c0: 0, stride: V }, r1 - r0, V);
    return out;
  }

  dispose(): void {
    this.logits.dispose();
  }
}

/** The blocked path: the final-normed residual, unembedded a block of rows at a time. */
class HiddenRows implements LogitRows {
  readonly batch: number;
  readonly pos: number;
  readonly dVocab: number;
  readonly blockRows: number;
  private readonly hidden: Tensor; // [batch * pos, d_model]
  private readonly u: Unembedding;
  private readonly owned: boolean;

  constructor(hidden: Tensor, u: Unembedding, owned: boolean) {
    const [B, P, D] = hidden.shape;
    [this.batch, this.pos, this.dVocab] = [B, P, u.W_U_T.shape[0]];
    this.hidden = hidden.reshape([B * P, D]);
    this.u = u;
    this.owned = owned;
    this.blockRows = logitBlockRows(hidden.device, "logit rows", B * P, this.dVocab);
  }

  async read(r0: number, r1: number): Promise<Float32Array> {
    checkRange(this, r0, r1);
    if (r1 === r0) return new Float32Array(0);
    const logits = this.unembed(r0, r1);
    try {
      return (await logits.read()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  tensor(r0: number, r1: number): Tensor {
    checkRange(this, r0, r1);
    return this.unembed(r0, r1);
  }

  /** [r1 - r0, d_vocab] on the device; over blockRows rows it is over one binding, as the caller asked. */
  unembed(r0: number, r1: number): Tensor {
    const dev = this.hidden.device;
    const n = r1 - r0;
    const ids = Tensor.from<"i32">(dev, [n], Int32Array.from({ length: n }, (_, i) => r0 + i), "logit rows");
    const x = Tensor.empty(dev, [n, this.hidden.shape[1]], "f32", "logit rows hidden"); // [rows, d_model]
    try {
      gatherRows(this.hidden, ids, x);
      return unembedRows(x, this.u);
    } finally {
      ids.dispose();
      x.dispose();
    }
  }

  dispose(): void {
    if (this.owned) this.hidden.dispose();
  }
}

/**
 * The logits of hidden [batch, pos, d_model] as LogitRows: the whole tensor when it fits one binding, else the
 * hidden tensor is held (and disposed with the rows when `owned`). `holds` says whether hidden must stay alive.
 */
export function logitRows(hidden: Tensor, u: Unembedding, owned: boolean): { rows: LogitRows; holds: boolean } {
  const [B, P] = hidden.shape;
  const V = u.W_U_T.shape[0];
  if (B * P * V * 4 <= hidden.device.maxBinding) return { rows: new TensorRows(unembedRows(hidden, u)), holds: false };
  return { rows: new HiddenRows(hidden, u, owned), holds: true };
}

/**
 * Logits [batch, pos, d_vocab] of hidden [batch, pos, d_model] as one tensor: one product when it fits one binding,
 * else filled a block of positions at a time (each block's logits fit one binding). LimitError when the tensor
 * cannot be allocated at all (over maxBufferSize), naming the blocked alternatives.
 */
export function fullLogits(hidden: Tensor, u: Unembedding): Tensor {
  const dev = hidden.device;
  const [B, P] = hidden.shape;
  const V = u.W_U_T.shape[0];
  const bytes = B * P * V * 4;
  if (bytes <= dev.maxBinding) return unembedRows(hidden, u);
  if (bytes > dev.limits.maxBufferSize) {
    throw new LimitError(
      `forward: logits ${fmt([B, P, V])} are ${bytes} bytes, over maxBufferSize ${dev.limits.maxBufferSize} on ` +
        `${dev.describe()}: use model.logitRows(input) (logits in blocks of positions), model.tokenLosses(input) ` +
        "(per-token loss) or model.generate (last position only), or run fewer positions",
    );
  }
  // a row view starts at r0 * V * 4 bytes, which must be a multiple of the offset alignment
  const align = dev.limits.minStorageBufferOffsetAlignment;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const step = align / gcd(V * 4, align);
  const block = logitBlockRows(dev, "forward", B * P, V, step);
  const rows = new HiddenRows(hidden, u, false);
  const out = Tensor.empty(dev, [B, P, V], "f32", "logits");
  const flat = out.reshape([B * P, V]);
  try {
    for (let r0 = 0; r0 < B * P; r0 += block) {
      const r1 = Math.min(B * P, r0 + block);
      const t = rows.unembed(r0, r1);
      copy(t, flat.rows(r0, r1));
      t.dispose();
    }
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}
