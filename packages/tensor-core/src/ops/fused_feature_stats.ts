// featureStatsSparse: featureStats (feature_stats.ts) for activations that are sparse by construction (TopK):
// the same in-place update of sinceFired/actFreq [d_sae], read from the batch's active pairs (values, indices
// [batch, k]) instead of a dense f [batch, d_sae]: a pair fires latent indices[b, j] when values[b, j] > 0.
// Two dispatches: integer atomic counts per latent (exact), then the fold; over one binding, one per block of pairs
// and of latents (aligned views). CPU reference: cpu/fused_feature_stats.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { ranges, rowsPerBlock } from "./blocks.ts";
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
  const n = values.size;
  const [pairs, latents] = [rowsPerBlock(dev, "featureStatsSparse", n, [4]), rowsPerBlock(dev, "featureStatsSparse", dSae, [4])];
  const part = (t: Tensor, len: number, per: number, r0: number, r1: number) => (per === len ? t : t.reshape([len]).rows(r0, r1)).binding;
  for (const [l0, l1] of ranges(dSae, latents)) {
    for (const [q0, q1] of ranges(n, pairs)) {
      dev.run(kernels.count, {
        buffers: [part(values, n, pairs, q0, q1), part(indices, n, pairs, q0, q1), part(counts, dSae, latents, l0, l1)],
        params: params(q1 - q0, l0, l1 - l0),
        workgroups: dev.grid(Math.ceil((q1 - q0) / 256)),
      });
    }
    const [c, s, f] = [counts, sinceFired, actFreq].map((t) => part(t, dSae, latents, l0, l1));
    dev.run(kernels.apply, { buffers: [c, s, f], params: params(l1 - l0), workgroups: dev.grid(Math.ceil((l1 - l0) / 64)) });
  }
  counts.dispose();
}
