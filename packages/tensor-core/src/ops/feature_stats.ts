// featureStats: the per-latent firing statistics an SAE trainer keeps on the GPU (dead-latent detection and
// feature density), updated in place from one batch of activations with no readback. Counts are whole numbers
// held in f32 (exact up to 2^24 per sampling window). CPU reference: cpu/feature_stats.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, Tensor } from "../tensor.ts";
import { sub } from "./binary.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import { saeAxpby } from "./sae_train.ts";
import { checkNoAlias } from "./alias.ts";
import source from "./feature_stats.wgsl" with { type: "text" };

const kernel = { name: "feature_stats", source };
const WG = 64;

/** featureStats for f over one binding: counts by row blocks, then sinceFired from what the counts gained. */
function statsByRows(f: Tensor, sinceFired: Tensor, actFreq: Tensor): void {
  const [batch, dSae] = f.shape;
  const before = saeAxpby(actFreq, null, null, 1, 0, 0);
  const scratch = Tensor.zeros(f.device, [dSae], "f32", "featureStats scratch");
  for (const [r0, r1] of ranges(batch, rowsPerBlock(f.device, "featureStats", batch, [dSae * 4]))) {
    featureStats(f.rows(r0, r1), scratch, actFreq);
  }
  const gained = sub(actFreq, before); // [d_sae]: rows where latent i fired
  featureStats(gained.reshape([1, dSae]), sinceFired, scratch);
  for (const t of [before, scratch, gained]) t.dispose();
}

/**
 * f [batch, d_sae]; in place on sinceFired [d_sae] (0 where latent i fired in this batch, else + 1) and
 * actFreq [d_sae] (+= the number of rows where f[b, i] > 0).
 */
export function featureStats(f: Tensor, sinceFired: Tensor, actFreq: Tensor): void {
  const dev = deviceOf("featureStats", f, sinceFired, actFreq);
  for (const [name, t] of [["f", f], ["sinceFired", sinceFired], ["actFreq", actFreq]] as const) checkDType("featureStats", name, t, "f32");
  if (f.shape.length !== 2) throw new ShapeError(`featureStats: f must be [batch, d_sae], got ${fmt(f.shape)}`);
  const [batch, dSae] = f.shape;
  checkShape("featureStats", "sinceFired", sinceFired.shape, [dSae]);
  checkShape("featureStats", "actFreq", actFreq.shape, [dSae]);
  checkNoAlias("featureStats", sinceFired, { f, actFreq });
  checkNoAlias("featureStats", actFreq, { f });
  if (dSae === 0) return;
  if (overBinding(dev, f)) return statsByRows(f, sinceFired, actFreq);
  dev.run(kernel, { buffers: [f.binding, sinceFired.binding, actFreq.binding], params: params(batch, dSae), workgroups: dev.grid(Math.ceil(dSae / WG)) });
}
