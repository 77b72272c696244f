// rotary: rotary position embedding (rotate-half layout, as GPT-NeoX, Llama, Qwen 2, Mistral and Gemma apply it) on
// q or k heads, full (rotaryDim = d_head) or partial (the first rotaryDim dims of each head; GPT-NeoX rotary_pct).
// The angles come as cos/sin tables [pos, rotaryDim / 2] that the caller builds for its positions (so rope scaling
// and KV-cache offsets are the caller's business). Not the interleaved GPT-J layout. Over one binding: blocks of batch
// items (batch_blocks.ts), or of one item's positions (copied with their cos/sin rows) when one item is over.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { byBatch } from "./batch_blocks.ts";
import { copyWindow, ranges, takeWindow } from "./blocks.ts";
import source from "./rotary.wgsl" with { type: "text" };

const kernel = { name: "rotary", source };

/** x [batch, pos, n_heads, d_head], cos/sin [pos, rotaryDim / 2] -> [batch, pos, n_heads, d_head]. */
export function rotary(x: Tensor, cos: Tensor, sin: Tensor, opts: { rotaryDim: number; out?: Tensor }): Tensor {
  const op = "rotary";
  const dev = deviceOf(op, x, cos, sin);
  for (const [name, t] of [["x", x], ["cos", cos], ["sin", sin]] as const) checkDType(op, name, t, "f32");
  if (x.shape.length !== 4) throw new ShapeError(`${op}: x must be [batch, pos, n_heads, d_head], got ${fmt(x.shape)}`);
  const [, pos, nHeads, dHead] = x.shape;
  const rot = opts.rotaryDim;
  if (!Number.isInteger(rot) || rot <= 0 || rot % 2 !== 0 || rot > dHead) {
    throw new ShapeError(`${op}: rotaryDim ${rot} must be even and in [2, d_head ${dHead}]`);
  }
  checkShape(op, "cos", cos.shape, [pos, rot / 2]);
  checkShape(op, "sin", sin.shape, [pos, rot / 2]);
  const out = output(op, dev, x.shape, "f32", opts.out);
  checkNoAlias(op, out, { x, cos, sin });
  const room = dev.maxBinding - 2 * dev.limits.minStorageBufferOffsetAlignment;
  if (x.shape[0] > 0 && x.byteLength / x.shape[0] > room) return byPositions(x, cos, sin, rot, out);
  const split = ([o]: Tensor[], [xb]: Tensor[]) => void rotary(xb, cos, sin, { ...opts, out: o });
  if (byBatch(op, [out], [x, cos, sin], split, [true, false, false])) return out; // blocks of batch items
  if (out.size > 0) {
    dev.run(kernel, {
      buffers: [x.binding, cos.binding, sin.binding, out.binding],
      params: params(out.size, pos, nHeads, dHead, rot),
      workgroups: dev.grid(Math.ceil(out.size / 64)),
    });
  }
  return out;
}

/** One batch item over one binding: blocks of its positions, copied with their cos/sin rows, rotated, copied back. */
function byPositions(x: Tensor, cos: Tensor, sin: Tensor, rotaryDim: number, out: Tensor): Tensor {
  const [batch, pos, nHeads, dHead] = x.shape;
  const dev = x.device;
  const row = nHeads * dHead; // one position of x
  const per = Math.floor((dev.maxBinding - 2 * dev.limits.minStorageBufferOffsetAlignment) / (row * 4));
  if (per < 1) {
    throw new LimitError(`rotary: one position of ${fmt(x.shape)} does not fit one binding of ${dev.maxBinding} bytes`);
  }
  const half = rotaryDim / 2;
  for (let b = 0; b < batch; b++) {
    for (const [t0, t1] of ranges(pos, per)) {
      const n = t1 - t0;
      const xw = takeWindow(x, { r0: b * pos + t0, c0: 0, stride: row }, n, row); // [n, n_heads * d_head]
      const [cb, sb] = [cos, sin].map((t) => takeWindow(t, { r0: t0, c0: 0, stride: half }, n, half));
      const ob = rotary(xw.reshape([1, n, nHeads, dHead]), cb, sb, { rotaryDim });
      copyWindow(ob, { r0: 0, c0: 0, stride: row }, out, { r0: b * pos + t0, c0: 0, stride: row }, n, row);
      for (const t of [xw, cb, sb, ob]) t.dispose();
    }
  }
  return out;
}
