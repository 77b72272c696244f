// CPU references for the grouped attention ops (ops/attn_grouped.ts): scores with scale, soft cap, causal, padding
// and sliding-window masks over grouped-query keys; weighted values over grouped values. float64 accumulation.
import { host, type HostTensor } from "../tensor.ts";

const MASKED = -3.4028234663852886e38;

export interface ScoreOptions {
  keys: number;
  posOffset: number;
  scale: number;
  softcap?: number;
  window?: number;
}

export function attnScores(q: HostTensor, k: HostTensor, mask: HostTensor, opts: ScoreOptions): HostTensor<"f32"> {
  const [batch, pos, nHeads, dHead] = q.shape;
  const [, stride, kvHeads] = k.shape;
  const group = nHeads / kvHeads;
  const { keys, posOffset, scale } = opts;
  const cap = opts.softcap ?? 0;
  const window = opts.window ?? 0;
  const out = new Float32Array(batch * nHeads * pos * keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < pos; i++) {
        const at = posOffset + i;
        for (let j = 0; j < keys; j++) {
          const o = ((b * nHeads + h) * pos + i) * keys + j;
          if (j > at || (window > 0 && at - j >= window) || mask.data[b * stride + j] === 0) {
            out[o] = MASKED;
            continue;
          }
          let s = 0;
          const q0 = ((b * pos + i) * nHeads + h) * dHead;
          const k0 = ((b * stride + j) * kvHeads + Math.floor(h / group)) * dHead;
          for (let d = 0; d < dHead; d++) s += q.data[q0 + d] * k.data[k0 + d];
          s *= scale;
          out[o] = cap > 0 ? cap * Math.tanh(s / cap) : s;
        }
      }
    }
  }
  return host([batch, nHeads, pos, keys], out);
}

export function attnZGrouped(pattern: HostTensor, v: HostTensor): HostTensor<"f32"> {
  const [batch, nHeads, pos, keys] = pattern.shape;
  const [, stride, kvHeads, dHead] = v.shape;
  const group = nHeads / kvHeads;
  const out = new Float32Array(batch * pos * nHeads * dHead);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < pos; i++) {
      for (let h = 0; h < nHeads; h++) {
        for (let d = 0; d < dHead; d++) {
          let s = 0;
          for (let j = 0; j < keys; j++) {
            const vRow = (b * stride + j) * kvHeads + Math.floor(h / group);
            s += pattern.data[((b * nHeads + h) * pos + i) * keys + j] * v.data[vRow * dHead + d];
          }
          out[((b * pos + i) * nHeads + h) * dHead + d] = s;
        }
      }
    }
  }
  return host([batch, pos, nHeads, dHead], out);
}
