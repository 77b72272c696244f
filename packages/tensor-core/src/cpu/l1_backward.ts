// CPU reference for l1Backward (ops/l1_backward.ts): float64, updating gradF and gradWdec in place, returning the loss.
import { checkShape } from "../shape.ts";
import { l1Dims } from "../ops/l1_backward.ts";
import type { HostTensor } from "../tensor.ts";

export function l1Backward(f: HostTensor, W: HostTensor, lambda: number, gradF: HostTensor, gradWdec: HostTensor): HostTensor<"f32"> {
  const { batch, dSae, dIn } = l1Dims("l1Backward (cpu)", f, W);
  checkShape("l1Backward (cpu)", "gradF", gradF.shape, f.shape);
  checkShape("l1Backward (cpu)", "gradWdec", gradWdec.shape, W.shape);
  let loss = 0;
  for (let i = 0; i < dSae; i++) {
    let sq = 0;
    for (let d = 0; d < dIn; d++) sq += W.data[i * dIn + d] ** 2;
    const norm = Math.sqrt(sq);
    let colAbs = 0;
    for (let b = 0; b < batch; b++) {
      const v = f.data[b * dSae + i];
      gradF.data[b * dSae + i] += lambda * Math.sign(v) * norm;
      colAbs += Math.abs(v);
    }
    loss += colAbs * norm;
    if (norm > 0) for (let d = 0; d < dIn; d++) gradWdec.data[i * dIn + d] += (lambda * colAbs * W.data[i * dIn + d]) / norm;
  }
  return { shape: [1], dtype: "f32", data: Float32Array.of(lambda * loss) };
}
