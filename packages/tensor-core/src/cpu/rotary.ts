// CPU reference for rotary (ops/rotary.ts): rotate-half rotary embedding of the first rotaryDim dims of each head.
import { host, type HostTensor } from "../tensor.ts";

export function rotary(x: HostTensor, cos: HostTensor, sin: HostTensor, o: { rotaryDim: number }): HostTensor<"f32"> {
  const [batch, pos, nHeads, dHead] = x.shape;
  const half = o.rotaryDim / 2;
  const out = Float32Array.from(x.data);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < pos; t++) {
      for (let h = 0; h < nHeads; h++) {
        const o = ((b * pos + t) * nHeads + h) * dHead;
        for (let d = 0; d < half; d++) {
          const c = cos.data[t * half + d];
          const s = sin.data[t * half + d];
          const x1 = x.data[o + d];
          const x2 = x.data[o + d + half];
          out[o + d] = x1 * c - x2 * s;
          out[o + d + half] = x2 * c + x1 * s;
        }
      }
    }
  }
  return host(x.shape, out);
}
