// CPU references for the sparse SAE paths (ops/sparse_decode.ts), float64 accumulation, written plainly.
import { checkShape, fmt } from "../shape.ts";
import { ShapeError } from "../errors.ts";
import { decoderDims, pairDims } from "../ops/sparse_decode.ts";
import type { HostTensor } from "../tensor.ts";

function f32(shape: number[], n: number): HostTensor<"f32"> {
  return { shape, dtype: "f32", data: new Float32Array(n) };
}

/** x_hat [batch, d_in] = sum_j values[b,j] * W_dec[indices[b,j]] (+ bias). */
export function sparseDecode(values: HostTensor, indices: HostTensor, W: HostTensor, opts: { bias?: HostTensor } = {}): HostTensor<"f32"> {
  const { batch, k } = pairDims("sparseDecode (cpu)", values, indices);
  const { dSae, dIn } = decoderDims("sparseDecode (cpu)", W);
  if (opts.bias) checkShape("sparseDecode (cpu)", "bias", opts.bias.shape, [dIn]);
  const out = f32([batch, dIn], batch * dIn);
  const acc = new Float64Array(dIn);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dIn; d++) acc[d] = opts.bias ? opts.bias.data[d] : 0;
    for (let j = 0; j < k; j++) {
      const i = indices.data[b * k + j];
      if (i < 0 || i >= dSae) continue;
      const v = values.data[b * k + j];
      for (let d = 0; d < dIn; d++) acc[d] += v * W.data[i * dIn + d];
    }
    for (let d = 0; d < dIn; d++) out.data[b * dIn + d] = acc[d];
  }
  return out;
}

/** gradValues [batch,k] = gradOut[b] . W_dec[idx]; gradWdec [d_sae,d_in] = (gradWdec ?? 0) + sum values[b,j] * gradOut[b]. */
export function sparseDecodeBackward(gradOut: HostTensor, values: HostTensor, indices: HostTensor, W: HostTensor, opts: { gradWdec?: HostTensor } = {}): { gradValues: HostTensor<"f32">; gradWdec: HostTensor<"f32"> } {
  const { batch, k } = pairDims("sparseDecodeBackward (cpu)", values, indices);
  const { dSae, dIn } = decoderDims("sparseDecodeBackward (cpu)", W);
  checkShape("sparseDecodeBackward (cpu)", "gradOut", gradOut.shape, [batch, dIn]);
  const gradValues = f32([batch, k], batch * k);
  const gw = new Float64Array(dSae * dIn);
  if (opts.gradWdec) gw.set(opts.gradWdec.data);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < k; j++) {
      const i = indices.data[b * k + j];
      if (i < 0 || i >= dSae) continue;
      const v = values.data[b * k + j];
      let dot = 0;
      for (let d = 0; d < dIn; d++) {
        const g = gradOut.data[b * dIn + d];
        dot += g * W.data[i * dIn + d];
        gw[i * dIn + d] += v * g;
      }
      gradValues.data[b * k + j] = dot;
    }
  }
  return { gradValues, gradWdec: { shape: [dSae, dIn], dtype: "f32", data: Float32Array.from(gw) } };
}

/** gradWenc [d_in, d_sae] = sum over pairs of gradValues[b,j] * x[b] in column indices[b,j]; gradBenc [d_sae]. */
export function sparseEncoderGrad(x: HostTensor, gradValues: HostTensor, indices: HostTensor, dSae: number): { gradWenc: HostTensor<"f32">; gradBenc: HostTensor<"f32"> } {
  const { batch, k } = pairDims("sparseEncoderGrad (cpu)", gradValues, indices);
  if (x.shape.length !== 2 || x.shape[0] !== batch) throw new ShapeError(`sparseEncoderGrad (cpu): x must be [${batch}, d_in], got ${fmt(x.shape)}`);
  const dIn = x.shape[1];
  const gw = new Float64Array(dIn * dSae);
  const gb = new Float64Array(dSae);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < k; j++) {
      const i = indices.data[b * k + j];
      if (i < 0 || i >= dSae) continue;
      const g = gradValues.data[b * k + j];
      gb[i] += g;
      for (let d = 0; d < dIn; d++) gw[d * dSae + i] += g * x.data[b * dIn + d];
    }
  }
  return { gradWenc: { shape: [dIn, dSae], dtype: "f32", data: Float32Array.from(gw) }, gradBenc: { shape: [dSae], dtype: "f32", data: Float32Array.from(gb) } };
}

/** Per latent, the sum of values[b, j] over the pairs with indices[b, j] = i, in pair order (GPU: latentSums). */
export function latentSums(values: HostTensor, indices: HostTensor, dSae: number): HostTensor<"f32"> {
  pairDims("latentSums (cpu)", values, indices);
  const out = new Float64Array(dSae);
  indices.data.forEach((i, q) => {
    if (i >= 0 && i < dSae) out[i] += values.data[q];
  });
  return { shape: [dSae], dtype: "f32", data: Float32Array.from(out) };
}

/** indices where values > 0, else -1 (GPU: activeIndices). */
export function activeIndices(values: HostTensor, indices: HostTensor): HostTensor<"i32"> {
  pairDims("activeIndices (cpu)", values, indices);
  return { shape: [...indices.shape], dtype: "i32", data: Int32Array.from(indices.data, (i, q) => (values.data[q] > 0 ? i : -1)) };
}
