// CPU references for the attention ops (ops/attention.ts): the same names and arguments on host tensors, float64
// accumulation, shape checks left to the GPU ops (these are test oracles).
import { checkDType, host, type HostTensor } from "../tensor.ts";

export function embedWithPositions(tokens: HostTensor, W_E: HostTensor, W_pos: HostTensor, posOffset: number): { embed: HostTensor<"f32">; posEmbed: HostTensor<"f32"> } {
  checkDType("embedWithPositions (cpu)", "tokens", tokens, "i32");
  const [batch, pos] = tokens.shape;
  const [dVocab, dModel] = W_E.shape;
  const embed = new Float32Array(batch * pos * dModel);
  const posEmbed = new Float32Array(batch * pos * dModel);
  for (let r = 0; r < batch * pos; r++) {
    const t = tokens.data[r];
    if (t >= 0 && t < dVocab) embed.set(W_E.data.subarray(t * dModel, (t + 1) * dModel), r * dModel);
    const p = posOffset + (r % pos);
    posEmbed.set(W_pos.data.subarray(p * dModel, (p + 1) * dModel), r * dModel);
  }
  return { embed: host([batch, pos, dModel], embed), posEmbed: host([batch, pos, dModel], posEmbed) };
}

export function splitQkv(qkv: HostTensor, nHeads: number): { q: HostTensor<"f32">; k: HostTensor<"f32">; v: HostTensor<"f32"> } {
  const [batch, pos, three] = qkv.shape;
  const dModel = three / 3;
  const shape = [batch, pos, nHeads, dModel / nHeads];
  const [q, k, v] = [0, 1, 2].map((part) => {
    const out = new Float32Array(batch * pos * dModel);
    for (let r = 0; r < batch * pos; r++) out.set(qkv.data.subarray(r * three + part * dModel, r * three + (part + 1) * dModel), r * dModel);
    return host(shape, out);
  });
  return { q, k, v };
}

/** pattern[b, h, i, j] = softmax over keys j <= posOffset + i with mask[b, j] != 0 of q.k / sqrt(d_head); else 0. */
export function attnPattern(q: HostTensor, k: HostTensor, mask: HostTensor, opts: { keys: number; posOffset: number }): HostTensor<"f32"> {
  checkDType("attnPattern (cpu)", "mask", mask, "i32");
  const [batch, pos, nHeads, dHead] = q.shape;
  const stride = k.shape[1];
  const { keys, posOffset } = opts;
  const out = new Float32Array(batch * nHeads * pos * keys);
  const s = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < pos; i++) {
        const valid = (j: number) => j <= posOffset + i && mask.data[b * stride + j] !== 0;
        let mx = -Infinity;
        for (let j = 0; j < keys; j++) {
          if (!valid(j)) continue;
          let d = 0;
          for (let e = 0; e < dHead; e++) d += q.data[((b * pos + i) * nHeads + h) * dHead + e] * k.data[((b * stride + j) * nHeads + h) * dHead + e];
          s[j] = d / Math.sqrt(dHead);
          mx = Math.max(mx, s[j]);
        }
        let sum = 0;
        for (let j = 0; j < keys; j++) if (valid(j)) sum += Math.exp(s[j] - mx);
        const row = ((b * nHeads + h) * pos + i) * keys;
        for (let j = 0; j < keys; j++) out[row + j] = valid(j) ? Math.exp(s[j] - mx) / sum : 0;
      }
    }
  }
  return host([batch, nHeads, pos, keys], out);
}

/** z[b, i, h, d] = sum_{j < keys} pattern[b, h, i, j] * v[b, j, h, d]. */
export function attnZ(pattern: HostTensor, v: HostTensor): HostTensor<"f32"> {
  const [batch, nHeads, pos, keys] = pattern.shape;
  const [, stride, , dHead] = v.shape;
  const z = new Float32Array(batch * pos * nHeads * dHead);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < pos; i++) {
      for (let h = 0; h < nHeads; h++) {
        for (let e = 0; e < dHead; e++) {
          let s = 0;
          for (let j = 0; j < keys; j++) s += pattern.data[((b * nHeads + h) * pos + i) * keys + j] * v.data[((b * stride + j) * nHeads + h) * dHead + e];
          z[((b * pos + i) * nHeads + h) * dHead + e] = s;
        }
      }
    }
  }
  return host([batch, pos, nHeads, dHead], z);
}

/** cache[b, posOffset + p] = src[b, p]; writes into cache and returns it. */
export function kvAppend(src: HostTensor, cache: HostTensor, posOffset: number): HostTensor {
  const [batch, pos, nHeads, dHead] = src.shape;
  const stride = cache.shape[1];
  const row = nHeads * dHead;
  for (let b = 0; b < batch; b++) cache.data.set(src.data.subarray(b * pos * row, (b + 1) * pos * row), (b * stride + posOffset) * row);
  return cache;
}
