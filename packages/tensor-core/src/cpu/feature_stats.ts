// CPU reference for featureStats (ops/feature_stats.ts): the same in-place update on host tensors.
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, type HostTensor } from "../tensor.ts";

export function featureStats(f: HostTensor, sinceFired: HostTensor, actFreq: HostTensor): void {
  for (const [name, t] of [["f", f], ["sinceFired", sinceFired], ["actFreq", actFreq]] as const) checkDType("featureStats (cpu)", name, t, "f32");
  if (f.shape.length !== 2) throw new ShapeError(`featureStats (cpu): f must be [batch, d_sae], got ${fmt(f.shape)}`);
  const [batch, dSae] = f.shape;
  checkShape("featureStats (cpu)", "sinceFired", sinceFired.shape, [dSae]);
  checkShape("featureStats (cpu)", "actFreq", actFreq.shape, [dSae]);
  for (let i = 0; i < dSae; i++) {
    let count = 0;
    for (let b = 0; b < batch; b++) if (f.data[b * dSae + i] > 0) count++;
    sinceFired.data[i] = count > 0 ? 0 : sinceFired.data[i] + 1;
    actFreq.data[i] += count;
  }
}
