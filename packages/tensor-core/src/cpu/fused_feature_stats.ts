// CPU reference for featureStatsSparse (ops/fused_feature_stats.ts): featureStats from a batch's top-k pairs.
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, type HostTensor } from "../tensor.ts";

export function featureStatsSparse(values: HostTensor, indices: HostTensor, sinceFired: HostTensor, actFreq: HostTensor): void {
  checkDType("featureStatsSparse (cpu)", "values", values, "f32");
  checkDType("featureStatsSparse (cpu)", "indices", indices, "i32");
  if (values.shape.length !== 2) throw new ShapeError(`featureStatsSparse (cpu): values must be [batch, k], got ${fmt(values.shape)}`);
  checkShape("featureStatsSparse (cpu)", "indices", indices.shape, values.shape);
  const dSae = sinceFired.shape[0];
  checkShape("featureStatsSparse (cpu)", "actFreq", actFreq.shape, [dSae]);
  const counts = new Array<number>(dSae).fill(0);
  for (let q = 0; q < values.data.length; q++) {
    const i = indices.data[q];
    if (values.data[q] > 0 && i >= 0 && i < dSae) counts[i]++;
  }
  for (let i = 0; i < dSae; i++) {
    sinceFired.data[i] = counts[i] > 0 ? 0 : sinceFired.data[i] + 1;
    actFreq.data[i] += counts[i];
  }
}
