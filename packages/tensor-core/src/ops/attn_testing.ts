// Test helper (not part of @sae/tensor-core's surface): the grouped-attention cases' inputs and a pattern made from
// CPU scores, shared by attn_grouped.test.ts and attn_blocks.test.ts.
import { numel } from "../shape.ts";
import { host, type HostTensor } from "../tensor.ts";
import { randn } from "../testing.ts";

/** One attention case: q [batch, pos, nHeads, dHead], k and v [batch, stride, kvHeads, dHead]. */
export interface AttnCase {
  batch: number;
  pos: number;
  nHeads: number;
  kvHeads: number;
  dHead: number;
  stride: number;
  posOffset: number;
  softcap?: number;
  window?: number;
}

/** Host q, k, v (randn, seeds 3, 4, 5) and an i32 mask [batch, stride] of ones but 0 at each of `padding`. */
export function attnInputs(c: AttnCase, padding: number[]) {
  const hq = host([c.batch, c.pos, c.nHeads, c.dHead], randn(c.batch * c.pos * c.nHeads * c.dHead, 3));
  const kvShape = [c.batch, c.stride, c.kvHeads, c.dHead];
  const [hk, hv] = [host(kvShape, randn(numel(kvShape), 4)), host(kvShape, randn(numel(kvShape), 5))];
  const m = new Int32Array(c.batch * c.stride).fill(1);
  for (const i of padding) m[i] = 0;
  return { hq, hk, hv, hm: host([c.batch, c.stride], m, "i32") };
}

/** The CPU scores with masked entries as exact zeros and the rest as positive weights: a pattern as softmax gives. */
export function patternFromScores(s: HostTensor<"f32">): HostTensor<"f32"> {
  return host(s.shape, Float32Array.from(s.data, (x, i) => (x < -1e30 ? 0 : Math.abs(Math.sin(i)))));
}
