// sumSquares and clipScale: the two halves of clipping gradients by their global norm without a readback.
// sumSquares writes sum(x^2) into one slot of a norms tensor (one slot per parameter); clipScale turns the slots into
// torch.nn.utils.clip_grad_norm_'s coefficient as a [1] tensor, which adam takes as `gradScale`. Everything stays
// on the GPU in one submission. Not a general-purpose reduction (see reduce.ts for rowSum/rowL2).
// CPU references: cpu/sum_squares.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { copyWindow, overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import { saeDot } from "./sae_train.ts";
import source from "./sum_squares.wgsl" with { type: "text" };

const kernels = {
  sumSquares: { name: "sum_squares", source, entryPoint: "sum_squares" },
  clipScale: { name: "clip_scale", source, entryPoint: "clip_scale" },
};

export interface SumSquaresOptions {
  /** [slots] f32: written at `slot` only; default a fresh [1]. */
  out?: Tensor;
  /** Which element of `out` receives the sum; default 0. */
  slot?: number;
}

/** x [...] -> out[slot] = sum x^2 (f32, any shape); returns out. */
export function sumSquares(x: Tensor, opts: SumSquaresOptions = {}): Tensor {
  const dev = deviceOf("sumSquares", x, ...(opts.out ? [opts.out] : []));
  checkDType("sumSquares", "x", x, "f32");
  const slot = opts.slot ?? 0;
  const out = opts.out ?? output("sumSquares", dev, [1], "f32");
  checkDType("sumSquares", "out", out, "f32");
  if (!Number.isInteger(slot) || slot < 0 || slot >= out.size) throw new LimitError(`sumSquares: slot ${slot} outside out ${fmt(out.shape)}`);
  checkNoAlias("sumSquares", out, { x });
  if (overBinding(dev, x)) {
    // over one binding: a partial sum per element block, then their sum into out[slot]
    const flat = x.reshape([x.size]);
    const blocks = ranges(x.size, rowsPerBlock(dev, "sumSquares", x.size, [4]));
    const parts = Tensor.empty(dev, [blocks.length], "f32", "sumSquares parts");
    blocks.forEach(([e0, e1], i) => sumSquares(flat.rows(e0, e1), { out: parts, slot: i }));
    const total = saeDot(parts, parts, 1, "sum");
    copyWindow(total, { r0: 0, c0: 0, stride: 1 }, out, { r0: slot, c0: 0, stride: 1 }, 1, 1);
    for (const t of [parts, total]) t.dispose();
    return out;
  }
  dev.run(kernels.sumSquares, { buffers: [x.binding, out.binding], params: params(x.size, slot), workgroups: [1] });
  return out;
}

/**
 * sqNorms [n] (squared norms, e.g. from sumSquares) -> [1] = min(1, maxNorm / (sqrt(sum sqNorms) + 1e-6)),
 * or 1 when maxNorm <= 0 (clipping off).
 */
export function clipScale(sqNorms: Tensor, maxNorm: number, opts: { out?: Tensor } = {}): Tensor {
  const dev = deviceOf("clipScale", sqNorms);
  checkDType("clipScale", "sqNorms", sqNorms, "f32");
  if (sqNorms.shape.length !== 1) throw new ShapeError(`clipScale: sqNorms must be [n], got ${fmt(sqNorms.shape)}`);
  if (!Number.isFinite(maxNorm)) throw new LimitError(`clipScale: maxNorm = ${maxNorm} must be finite`);
  const out = output("clipScale", dev, [1], "f32", opts.out);
  checkNoAlias("clipScale", out, { sqNorms });
  dev.run(kernels.clipScale, { buffers: [sqNorms.buffer, out.buffer], params: params(sqNorms.size, 0, { f32: maxNorm }), workgroups: [1] });
  return out;
}
