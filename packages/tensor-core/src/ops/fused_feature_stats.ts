// featureStatsSparse: featureStats (feature_stats.ts) for activations that are sparse by construction (TopK):
// the same in-place update of sinceFired/actFreq [d_sae], read from the batch's active pairs (values, indices
// [batch, k]) instead of a dense f [batch, d_sae]: a pair fires latent indices[b, j] when values[b, j] > 0.
// Two dispatches: integer atomic counts per latent (exact), then the fold. CPU reference: cpu/fused_feature_stats.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { fill } from "./fill.ts";
import countSrc from "./fused_feature_stats_count.wgsl" with { type: "text" };
import applySrc from "./fused_feature_stats_apply.wgsl" with { type: "text" };

const kernels = {
  count: { name: "fused_feature_stats_count", source: countSrc },
  apply: { name: "fused_feature_stats_apply", source: applySrc },
};

/** values [batch, k] f32, indices [batch, k] i32; in place on sinceFired and actFreq [d_sae]. */
export function featureStatsSparse(values: Tensor, indices: Tensor, sinceFired: Tensor, actFreq: Tensor): void {
  const dev = deviceOf("featureStatsSparse", values, indices, sinceFired, actFreq);
  checkDType("featureStatsSparse", "values", values, "f32");
  checkDType("featureStatsSparse", "indices", indices, "i32");
  checkDType("featureStatsSparse", "sinceFired", sinceFired, "f32");
  checkDType("featureStatsSparse", "actFreq", actFreq, "f32");
  if (values.shape.length !== 2) throw new ShapeError(`featureStatsSparse: values must be [batch, k], got ${fmt(values.shape)}`);
  checkShape("featureStatsSparse", "indices", indices.shape, values.shape);
  if (sinceFired.shape.length !== 1) throw new ShapeError(`featureStatsSparse: sinceFired must be [d_sae], got ${fmt(sinceFired.shape)}`);
  const dSae = sinceFired.shape[0];
  checkShape("featureStatsSparse", "actFreq", actFreq.shape, [dSae]);
  checkNoAlias("featureStatsSparse", sinceFired, { actFreq });
  if (dSae === 0) return;
  const counts = fill(Tensor.empty(dev, [dSae], "u32", "firing counts"), 0);
  if (values.size > 0) {
    dev.run(kernels.count, {
      buffers: [values.buffer, indices.buffer, counts.buffer],
      params: params(values.size, dSae),
      workgroups: dev.grid(Math.ceil(values.size / 256)),
    });
  }
  dev.run(kernels.apply, { buffers: [counts.buffer, sinceFired.buffer, actFreq.buffer], params: params(dSae), workgroups: dev.grid(Math.ceil(dSae / 64)) });
  counts.dispose();
}
