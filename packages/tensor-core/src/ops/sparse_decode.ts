// Sparse SAE paths: the decoder and its gradients through the k active latents of each row only (TopK SAEs).
//   sparseDecode(values [batch,k], indices [batch,k] i32, W_dec [d_sae,d_in], { bias }) -> x_hat [batch, d_in]
//   sparseDecodeBackward(gradOut, values, indices, W_dec) -> gradValues [batch,k]; gradWdec [d_sae,d_in] += (active rows)
//     (options: overwrite: gradWdec = instead of +=; reluMask: gradValues times (values > 0), the ReLU's backward)
//   sparseEncoderGrad(x, gradValues, indices, d_sae) -> gradWenc [d_in,d_sae] (active columns), gradBenc [d_sae]
// W_dec/W_enc gradients are summed per latent over sorted lists (latent_lists.ts): deterministic. Indices outside
// [0, d_sae) contribute nothing. CPU references: cpu/sparse_decode.ts. With d_in a multiple of 4 the vec4 kernels
// (sparse_rows4.wgsl, sparse_dots4.wgsl) run: each list entry is read once per row block instead of once per float.
// The decode backward with d_in <= 1024 walks the lists once for both outputs (sparse_wdec_dots.wgsl, then
// sparse_sum64.wgsl): gradOut's rows are read once per pair, not twice, and W_dec's once per latent, not per pair.
// sparseDecode with W_dec, the pairs or out over one binding runs passes over blocks of latents (and batch rows);
// sparseDecodeBackward with W_dec or gradWdec over one binding, passes over blocks of latents (backwardByLatents).
// sparseEncoderGrad with gradWenc over one binding: blocks of its d_in rows (the scalar kernel, with a d offset).
// Both, with gradOut / x or the pairs over one binding: blocks of batch rows, each with the lists of its pairs,
// adding into the weight gradients.
import { params, type Device } from "../device.ts";
import type { DType } from "../dtype.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import { fill } from "./fill.ts";
import { saeActBackward } from "./sae_train.ts";
import { latentLists, type LatentLists } from "./latent_lists.ts";
import decodeSrc from "./sparse_decode.wgsl" with { type: "text" };
import gradValuesSrc from "./sparse_grad_values.wgsl" with { type: "text" };
import gradWdecSrc from "./sparse_grad_wdec.wgsl" with { type: "text" };
import encoderGradSrc from "./sparse_encoder_grad.wgsl" with { type: "text" };
import dots4Src from "./sparse_dots4.wgsl" with { type: "text" };
import sum64Src from "./sparse_sum64.wgsl" with { type: "text" };
import { sparseVec4Kernel, vec4Blocks } from "./sparse_vec4.ts";

const kernels = {
  decode: { name: "sparse_decode", source: decodeSrc },
  gradValues: { name: "sparse_grad_values", source: gradValuesSrc },
  gradWdec: { name: "sparse_grad_wdec", source: gradWdecSrc },
  encoderGrad: { name: "sparse_encoder_grad", source: encoderGradSrc },
  gradValues4: { name: "sparse_dots4", source: dots4Src },
  sum64: { name: "sparse_sum64", source: sum64Src },
};

const dummies = new WeakMap<Device, GPUBuffer>();
function dummy(device: Device): GPUBuffer {
  let d = dummies.get(device);
  if (!d) {
    d = device.pool.acquire(16, "sparseDecode no-bias");
    dummies.set(device, d);
  }
  return d;
}

/** Checks values/indices [batch, k] (f32/i32); returns batch and k. */
export function pairDims(op: string, values: { shape: readonly number[]; dtype: DType }, indices: { shape: readonly number[]; dtype: DType }): { batch: number; k: number } {
  checkDType(op, "values", values, "f32");
  checkDType(op, "indices", indices, "i32");
  if (values.shape.length !== 2) throw new ShapeError(`${op}: values must be [batch, k], got ${fmt(values.shape)}`);
  checkShape(op, "indices", indices.shape, values.shape);
  return { batch: values.shape[0], k: values.shape[1] };
}

/** Checks W [d_sae, d_in] (f32); returns d_sae and d_in. */
export function decoderDims(op: string, W: { shape: readonly number[]; dtype: DType }): { dSae: number; dIn: number } {
  checkDType(op, "W_dec", W, "f32");
  if (W.shape.length !== 2) throw new ShapeError(`${op}: W_dec must be [d_sae, d_in], got ${fmt(W.shape)}`);
  return { dSae: W.shape[0], dIn: W.shape[1] };
}

export interface SparseDecodeOptions {
  bias?: Tensor; // [d_in]
  out?: Tensor; // [batch, d_in]
}

export function sparseDecode(values: Tensor, indices: Tensor, W: Tensor, opts: SparseDecodeOptions = {}): Tensor<"f32"> {
  const { bias, out } = opts;
  const device = deviceOf("sparseDecode", values, indices, W, ...(bias ? [bias] : []), ...(out ? [out] : []));
  const { batch, k } = pairDims("sparseDecode", values, indices);
  const { dSae, dIn } = decoderDims("sparseDecode", W);
  if (bias) {
    checkDType("sparseDecode", "bias", bias, "f32");
    checkShape("sparseDecode", "bias", bias.shape, [dIn]);
  }
  const result = output("sparseDecode", device, [batch, dIn], "f32", out);
  if (batch * dIn === 0) return result;
  // over one binding: passes over blocks of latents (W's row views; pairs outside the block skip), each adding into
  // out (hasBias 2), within blocks of batch rows; one pass when everything fits
  const split = overBinding(device, W, values, indices, result);
  const lb = split ? rowsPerBlock(device, "sparseDecode", dSae, [dIn * 4]) : dSae;
  const bb = split ? rowsPerBlock(device, "sparseDecode", batch, [k * 4, dIn * 4]) : batch;
  const view = (t: Tensor, r0: number, r1: number, per: number, n: number) =>
    per === n ? t.binding : t.rows(r0, r1).binding;
  const biasBuf = bias ? bias.binding : dummy(device);
  for (const [b0, b1] of ranges(batch, bb)) {
    const [v, i, o] = [values, indices, result].map((t) => view(t, b0, b1, bb, batch));
    for (const [l0, l1] of dSae === 0 ? [[0, 0]] : ranges(dSae, lb)) {
      const w = view(W, l0, l1, lb, dSae);
      const mode = l0 > 0 ? 2 : bias ? 1 : 0;
      if (dIn % 4 === 0) {
        const { R, blocks } = vec4Blocks(dIn);
        device.run(sparseVec4Kernel("decode", R), {
          buffers: [w, v, i, dummy(device), biasBuf, o],
          params: params(b1 - b0, k, dIn / 4, l1 - l0, mode, blocks, 0, l0),
          workgroups: device.grid((b1 - b0) * blocks),
        });
      } else {
        const chunks = Math.ceil(dIn / 64);
        device.run(kernels.decode, {
          buffers: [v, i, w, biasBuf, o],
          params: params(b1 - b0, k, dIn, l1 - l0, mode, chunks, l0, 0),
          workgroups: device.grid((b1 - b0) * chunks),
        });
      }
    }
  }
  return result;
}

export interface SparseDecodeBackwardOptions {
  /** [batch, k], overwritten; made when absent. */
  gradValues?: Tensor;
  /** [d_sae, d_in], accumulated into (active rows only); zeros are made when absent. */
  gradWdec?: Tensor;
  /** Lists from latentLists(indices, d_sae) to reuse (sparseEncoderGrad can share them). */
  lists?: LatentLists;
  /** gradWdec is overwritten (every row; 0 where no pair selected the latent) instead of added into. */
  overwrite?: boolean;
  /** gradValues times (values > 0): the ReLU's backward, for values that went through a ReLU. */
  reluMask?: boolean;
  /**
   * false: sparse_dots4 + sparse_rows4's wdec even where the one-walk pair (sparse_wdec_dots + sparse_sum64: d_in a
   * multiple of 4 up to 1024, its [batch * k, 64] lane parts within one binding) applies; for A/B timing and tests.
   */
  fuse?: boolean;
}

export function sparseDecodeBackward(gradOut: Tensor, values: Tensor, indices: Tensor, W: Tensor, opts: SparseDecodeBackwardOptions = {}): { gradValues: Tensor<"f32">; gradWdec: Tensor<"f32"> } {
  const extra = [opts.gradValues, opts.gradWdec].filter((t): t is Tensor => t !== undefined);
  const device = deviceOf("sparseDecodeBackward", gradOut, values, indices, W, ...extra);
  const { batch, k } = pairDims("sparseDecodeBackward", values, indices);
  const { dSae, dIn } = decoderDims("sparseDecodeBackward", W);
  checkDType("sparseDecodeBackward", "gradOut", gradOut, "f32");
  checkShape("sparseDecodeBackward", "gradOut", gradOut.shape, [batch, dIn]);
  const gradValues = output("sparseDecodeBackward", device, [batch, k], "f32", opts.gradValues);
  const overwrite = opts.overwrite === true || !opts.gradWdec;
  const gradWdec = opts.gradWdec ? output("sparseDecodeBackward", device, [dSae, dIn], "f32", opts.gradWdec) : Tensor.empty(device, [dSae, dIn], "f32", "gradWdec");
  const vec4 = dIn % 4 === 0 && dIn > 0;
  if (overwrite && !vec4) fill(gradWdec, 0);
  if (batch * k === 0 || dIn === 0) return { gradValues, gradWdec };
  if (overBinding(device, gradOut, values, indices, gradValues)) {
    // blocks of batch rows, each a backward of its own (lists of its pairs) adding into gradWdec after the first
    const r = (t: Tensor, b0: number, b1: number) => t.rows(b0, b1);
    for (const [b0, b1] of ranges(batch, rowsPerBlock(device, "sparseDecodeBackward", batch, [dIn * 4, k * 4]))) {
      const blockOpts = { gradValues: r(gradValues, b0, b1), gradWdec, overwrite: overwrite && b0 === 0, reluMask: opts.reluMask, fuse: opts.fuse };
      sparseDecodeBackward(r(gradOut, b0, b1), r(values, b0, b1), r(indices, b0, b1), W, blockOpts);
    }
    return { gradValues, gradWdec };
  }
  const lists = opts.lists ?? latentLists(indices, dSae);
  checkLists("sparseDecodeBackward", lists, batch * k, dSae);
  if (overBinding(device, W, gradWdec)) {
    const inputs = { gradOut, values, indices, W, gradValues, gradWdec, lists };
    backwardByLatents(device, inputs, { batch, k, dSae, dIn, overwrite, reluMask: opts.reluMask === true });
    if (!opts.lists) lists.dispose();
    return { gradValues, gradWdec };
  }
  const partBytes = batch * k * 64 * 4;
  if (vec4 && opts.fuse !== false && vec4Blocks(dIn).blocks === 1 && partBytes <= device.maxBinding) {
    // one walk of the lists: grad W_dec rows and each dot's 64 lane parts, then the parts summed (and masked)
    const partial = Tensor.empty(device, [batch * k, 64], "f32", "grad values lane parts");
    device.run(sparseVec4Kernel("wdecDots", vec4Blocks(dIn).R), {
      buffers: [gradOut.binding, W.binding, values.binding, lists.entries.binding, lists.offsets.binding, gradWdec.binding, partial.binding],
      params: params(batch, k, dIn / 4, dSae, overwrite ? 1 : 0, 0, 0, 0),
      workgroups: device.grid(dSae),
    });
    device.run(kernels.sum64, {
      buffers: [partial.binding, indices.binding, values.binding, gradValues.binding],
      params: params(batch * k, dSae, opts.reluMask ? 1 : 0, 0),
      workgroups: device.grid(Math.ceil((batch * k) / 64)),
    });
    partial.dispose();
    if (!opts.lists) lists.dispose();
    return { gradValues, gradWdec };
  }
  if (vec4) {
    const { R, blocks } = vec4Blocks(dIn);
    // the ReLU mask in sparse_dots4's write; wdec writes every row when overwriting (no zeroing pass)
    device.run(kernels.gradValues4, {
      buffers: [gradOut.binding, W.binding, indices.binding, gradValues.binding, opts.reluMask ? values.binding : dummy(device)],
      params: params(batch, k, dIn / 4, dSae, opts.reluMask ? 1 : 0, 0, 0, 0),
      workgroups: device.grid(Math.ceil((batch * k) / 8)),
    });
    device.run(sparseVec4Kernel("wdec", R), {
      buffers: [gradOut.binding, values.binding, lists.entries.binding, lists.offsets.binding, dummy(device), gradWdec.binding],
      params: params(batch, k, dIn / 4, dSae, 0, blocks, overwrite ? 1 : 0, 0),
      workgroups: device.grid(dSae * blocks),
    });
    if (!opts.lists) lists.dispose();
    return { gradValues, gradWdec };
  }
  const raw = opts.reluMask ? Tensor.empty(device, [batch, k], "f32", "gradValues (before the ReLU mask)") : gradValues;
  device.run(kernels.gradValues, {
    buffers: [gradOut.binding, indices.binding, W.binding, raw.binding],
    params: params(batch, k, dIn, dSae, 0, 0, 0, 0),
    workgroups: device.grid(Math.ceil((batch * k) / 8)),
  });
  device.run(kernels.gradWdec, {
    buffers: [gradOut.binding, values.binding, lists.offsets.binding, lists.entries.binding, gradWdec.binding],
    params: params(k, dIn, dSae, 0),
    workgroups: device.grid(dSae),
  });
  if (raw !== gradValues) {
    saeActBackward("mask", raw, values, { out: gradValues });
    raw.dispose();
  }
  if (!opts.lists) lists.dispose();
  return { gradValues, gradWdec };
}

interface BackwardInputs {
  gradOut: Tensor;
  values: Tensor;
  indices: Tensor;
  W: Tensor;
  gradValues: Tensor;
  gradWdec: Tensor;
  lists: LatentLists;
}

interface BackwardDims {
  batch: number;
  k: number;
  dSae: number;
  dIn: number;
  overwrite: boolean;
  reluMask: boolean;
}

/**
 * sparseDecodeBackward with W_dec or its gradient over one binding: passes over blocks of latents (W_dec's and
 * gradWdec's row views, the block's slice of the list offsets). The dot kernels write only the pairs whose latent
 * is in the block (the first pass writes every pair: 0 for indices out of range); the rest must fit one binding.
 */
function backwardByLatents(device: Device, t: BackwardInputs, d: BackwardDims): void {
  const { batch, k, dSae, dIn } = d;
  const whole = [t.gradOut, t.values, t.indices, t.gradValues, t.lists.entries, t.lists.offsets];
  const over = whole.find((x) => x.byteLength > device.maxBinding);
  if (over) {
    const what = `${over.label} ${fmt(over.shape)}`;
    throw new LimitError(`sparseDecodeBackward: ${what} is over one binding (only W_dec and its gradient may be)`);
  }
  const lb = rowsPerBlock(device, "sparseDecodeBackward", dSae, [dIn * 4]);
  const vec4 = dIn % 4 === 0;
  const masked = d.reluMask && !vec4;
  const raw = masked ? Tensor.empty(device, [batch, k], "f32", "gradValues (before the mask)") : t.gradValues;
  const b = (x: Tensor) => x.binding;
  for (const [l0, l1] of ranges(dSae, lb)) {
    const [w, gw, off] = [t.W.rows(l0, l1), t.gradWdec.rows(l0, l1), t.lists.offsets.rows(l0, l1 + 1)].map(b);
    const only = l0 > 0 ? 1 : 0;
    if (vec4) {
      const { R, blocks } = vec4Blocks(dIn);
      device.run(kernels.gradValues4, {
        buffers: [b(t.gradOut), w, b(t.indices), b(t.gradValues), d.reluMask ? b(t.values) : dummy(device)],
        params: params(batch, k, dIn / 4, l1 - l0, d.reluMask ? 1 : 0, l0, only, 0),
        workgroups: device.grid(Math.ceil((batch * k) / 8)),
      });
      device.run(sparseVec4Kernel("wdec", R), {
        buffers: [b(t.gradOut), b(t.values), b(t.lists.entries), off, dummy(device), gw],
        params: params(batch, k, dIn / 4, l1 - l0, 0, blocks, d.overwrite ? 1 : 0, 0),
        workgroups: device.grid((l1 - l0) * blocks),
      });
    } else {
      device.run(kernels.gradValues, {
        buffers: [b(t.gradOut), b(t.indices), w, b(raw)],
        params: params(batch, k, dIn, l1 - l0, l0, only, 0, 0),
        workgroups: device.grid(Math.ceil((batch * k) / 8)),
      });
      device.run(kernels.gradWdec, {
        buffers: [b(t.gradOut), b(t.values), off, b(t.lists.entries), gw],
        params: params(k, dIn, l1 - l0, 0),
        workgroups: device.grid(l1 - l0),
      });
    }
  }
  if (raw !== t.gradValues) {
    saeActBackward("mask", raw, t.values, { out: t.gradValues });
    raw.dispose();
  }
}

export interface SparseEncoderGradOptions {
  gradWenc?: Tensor; // [d_in, d_sae], overwritten
  gradBenc?: Tensor; // [d_sae], overwritten
  lists?: LatentLists;
}

export function sparseEncoderGrad(x: Tensor, gradValues: Tensor, indices: Tensor, dSae: number, opts: SparseEncoderGradOptions = {}): { gradWenc: Tensor<"f32">; gradBenc: Tensor<"f32"> } {
  const extra = [opts.gradWenc, opts.gradBenc].filter((t): t is Tensor => t !== undefined);
  const device = deviceOf("sparseEncoderGrad", x, gradValues, indices, ...extra);
  const { batch, k } = pairDims("sparseEncoderGrad", gradValues, indices);
  checkDType("sparseEncoderGrad", "x", x, "f32");
  if (x.shape.length !== 2 || x.shape[0] !== batch) throw new ShapeError(`sparseEncoderGrad: x must be [${batch}, d_in], got ${fmt(x.shape)}`);
  const dIn = x.shape[1];
  const gradWenc = output("sparseEncoderGrad", device, [dIn, dSae], "f32", opts.gradWenc);
  const gradBenc = output("sparseEncoderGrad", device, [dSae], "f32", opts.gradBenc);
  if (overBinding(device, x, gradValues, indices)) {
    // blocks of batch rows, each with the lists of its pairs, continuing the sums (acc) after the first
    for (const [b0, b1] of ranges(batch, rowsPerBlock(device, "sparseEncoderGrad", batch, [dIn * 4, k * 4]))) {
      const lists = latentLists(indices.rows(b0, b1), dSae);
      encoderGradScalar(x.rows(b0, b1), gradValues.rows(b0, b1), lists, gradWenc, gradBenc, b0 > 0);
      lists.dispose();
    }
    return { gradWenc, gradBenc };
  }
  const lists = opts.lists ?? latentLists(indices, dSae);
  checkLists("sparseEncoderGrad", lists, batch * k, dSae);
  if (overBinding(device, gradWenc)) {
    encoderGradScalar(x, gradValues, lists, gradWenc, gradBenc, false);
  } else if (dIn % 4 === 0 && dIn > 0) {
    const { R, blocks } = vec4Blocks(dIn);
    device.run(sparseVec4Kernel("enc", R), {
      buffers: [x.binding, gradValues.binding, lists.entries.binding, lists.offsets.binding, gradBenc.binding, gradWenc.binding],
      params: params(batch, k, dIn / 4, dSae, 0, blocks, 0, 0),
      workgroups: device.grid(dSae * blocks),
    });
  } else {
    encoderGradScalar(x, gradValues, lists, gradWenc, gradBenc, false);
  }
  if (!opts.lists) lists.dispose();
  return { gradWenc, gradBenc };
}

/** The scalar encoder-grad kernel, over blocks of gradWenc's d_in rows when it is over one binding; acc continues
 * the sums already in gradWenc / gradBenc (a later block of batch rows). x and the lists must fit one binding. */
function encoderGradScalar(x: Tensor, gradValues: Tensor, lists: LatentLists, gradWenc: Tensor, gradBenc: Tensor, acc: boolean): void {
  const device = x.device;
  const [dIn, dSae, k] = [x.shape[1], lists.dSae, lists.k];
  const over = [x, gradValues, lists.entries, lists.offsets].find((t) => t.byteLength > device.maxBinding);
  if (over) throw new LimitError(`sparseEncoderGrad: ${over.label} ${fmt(over.shape)} is over one binding`);
  for (const [d0, d1] of ranges(dIn, rowsPerBlock(device, "sparseEncoderGrad", dIn, [dSae * 4]))) {
    const gw = d1 - d0 === dIn ? gradWenc : gradWenc.rows(d0, d1);
    device.run(kernels.encoderGrad, {
      buffers: [x, gradValues, lists.offsets, lists.entries, gw, gradBenc].map((t) => t.binding),
      params: params(k, dIn, dSae, d0, d1 - d0, acc ? 1 : 0, 0, 0),
      workgroups: device.grid(dSae),
    });
  }
}

function checkLists(op: string, lists: LatentLists, pairs: number, dSae: number): void {
  if (lists.pairs !== pairs || lists.dSae !== dSae) {
    throw new ShapeError(`${op}: lists were built for ${lists.pairs} pairs and d_sae ${lists.dSae}, not ${pairs} pairs and d_sae ${dSae}`);
  }
}
