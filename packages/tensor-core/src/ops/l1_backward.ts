// l1Backward: the L1 penalty of a standard (ReLU) SAE, loss = lambda * sum_b sum_i |f[b,i]| * ||W_dec[i]||, adding
// dLoss/df into gradF and dLoss/dW_dec into gradWdec (sign(0) = 0; a zero decoder row gets no gradient), returning
// the loss as a [1] tensor. W_dec's row norms are computed once inside. The CPU reference is cpu/l1_backward.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import source from "./l1_backward.wgsl" with { type: "text" };

// Device's pipeline cache is keyed by source text (not entry point), so each stage's text ends with its own name.
const stage = (entryPoint: string) => ({ name: `l1_backward_${entryPoint}`, source: `${source}\n// entry point: ${entryPoint}\n`, entryPoint });
const kernels = { rowNorms: stage("rowNorms"), columns: stage("columns"), decoder: stage("decoder"), total: stage("total") };

/** Checks f [batch, d_sae] against W_dec [d_sae, d_in]; returns the sizes. */
export function l1Dims(op: string, f: { shape: readonly number[] }, W: { shape: readonly number[] }): { batch: number; dSae: number; dIn: number } {
  if (f.shape.length !== 2 || W.shape.length !== 2 || f.shape[1] !== W.shape[0]) {
    throw new ShapeError(`${op}: f must be [batch, d_sae] and W_dec [d_sae, d_in], got f ${fmt(f.shape)} and W_dec ${fmt(W.shape)}`);
  }
  return { batch: f.shape[0], dSae: W.shape[0], dIn: W.shape[1] };
}

export function l1Backward(f: Tensor, W: Tensor, lambda: number, gradF: Tensor, gradWdec: Tensor, opts: { loss?: Tensor } = {}): Tensor<"f32"> {
  const device = deviceOf("l1Backward", f, W, gradF, gradWdec, ...(opts.loss ? [opts.loss] : []));
  for (const [name, t] of [["f", f], ["W_dec", W], ["gradF", gradF], ["gradWdec", gradWdec]] as const) checkDType("l1Backward", name, t, "f32");
  const { batch, dSae, dIn } = l1Dims("l1Backward", f, W);
  checkShape("l1Backward", "gradF", gradF.shape, f.shape);
  checkShape("l1Backward", "gradWdec", gradWdec.shape, W.shape);
  const loss = output("l1Backward", device, [1], "f32", opts.loss);
  const norms = Tensor.empty(device, [Math.max(1, dSae)], "f32", "W_dec row norms");
  const colAbs = Tensor.empty(device, [Math.max(1, dSae)], "f32", "l1 column sums");
  const p = params(batch, dSae, dIn, { f32: lambda });
  if (overBinding(device, f, W, gradF, gradWdec)) {
    blocks(f, W, gradF, gradWdec, norms, colAbs, loss, lambda); // over one binding
  } else {
    const buffers = [f, W, gradF, gradWdec, norms, colAbs, loss].map((t) => t.binding);
    device.run(kernels.rowNorms, { buffers, params: p, workgroups: device.grid(Math.ceil(dSae / 8)) });
    device.run(kernels.columns, { buffers, params: p, workgroups: device.grid(Math.ceil(dSae / 64)) });
    device.run(kernels.decoder, { buffers, params: p, workgroups: device.grid(Math.ceil((dSae * dIn) / 64)) });
    device.run(kernels.total, { buffers, params: p, workgroups: [1] });
  }
  norms.dispose();
  colAbs.dispose();
  return loss;
}

/** A 1-element view: what a stage binds for a tensor it does not touch (every entry point declares all seven). */
const stub = (t: Tensor): Tensor => t.reshape([t.size]).rows(0, Math.min(1, t.size));

/**
 * The four stages in blocks: row norms and the decoder gradient over blocks of W_dec's rows (with the matching
 * ranges of norms and colAbs), the columns over blocks of f's batch rows (ACC: each block continues colAbs's
 * sums in the same order as one pass, so the result is the same bits), the loss whole.
 */
function blocks(f: Tensor, W: Tensor, gradF: Tensor, gradW: Tensor, ...rest: [Tensor, Tensor, Tensor, number]): void {
  const [norms, colAbs, loss, lambda] = rest;
  const device = f.device;
  const [batch, dSae] = f.shape;
  const dIn = W.shape[1];
  const [sf, sW, sgF, sgW, sc] = [f, W, gradF, gradW, colAbs].map(stub);
  for (const [i0, i1] of ranges(dSae, rowsPerBlock(device, "l1Backward", dSae, [dIn * 4]))) {
    const p = params(batch, i1 - i0, dIn, { f32: lambda });
    const [Wb, nb] = [W.rows(i0, i1), norms.rows(i0, i1)];
    const buffers = [sf, Wb, sgF, sgW, nb, sc, loss].map((t) => t.binding);
    device.run(kernels.rowNorms, { buffers, params: p, workgroups: device.grid(Math.ceil((i1 - i0) / 8)) });
  }
  for (const [b0, b1] of ranges(batch, rowsPerBlock(device, "l1Backward", batch, [dSae * 4]))) {
    const buffers = [f.rows(b0, b1), sW, gradF.rows(b0, b1), sgW, norms, colAbs, loss].map((t) => t.binding);
    const p = params(b1 - b0, dSae, dIn, { f32: lambda });
    const grid = device.grid(Math.ceil(dSae / 64));
    device.run(kernels.columns, { buffers, params: p, workgroups: grid, overrides: { ACC: Number(b0 > 0) } });
  }
  for (const [i0, i1] of ranges(dSae, rowsPerBlock(device, "l1Backward", dSae, [dIn * 4]))) {
    const p = params(batch, i1 - i0, dIn, { f32: lambda });
    const views = [W.rows(i0, i1), gradW.rows(i0, i1), norms.rows(i0, i1), colAbs.rows(i0, i1)];
    const buffers = [sf, views[0], sgF, views[1], views[2], views[3], loss].map((t) => t.binding);
    device.run(kernels.decoder, { buffers, params: p, workgroups: device.grid(Math.ceil(((i1 - i0) * dIn) / 64)) });
  }
  const buffers = [sf, sW, sgF, sgW, norms, colAbs, loss].map((t) => t.binding);
  device.run(kernels.total, { buffers, params: params(batch, dSae, dIn, { f32: lambda }), workgroups: [1] });
}
