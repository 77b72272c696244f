// Per-feature logit effects for large SAEs on the device: W_dec[chunk] @ W_U with matmul, then the top and
// bottom N of each row with topk (on the product and on its negation). Same result as featureLogitEffects
// (logits.ts, the CPU reference), which costs O(d_sae * d_in * d_vocab) in plain JS.
import { LimitError, Tensor, matmul, scale, topk, type Device, type HostTensor } from "@sae/tensor-core";
import type { LogitEffects } from "./logits.ts";
import type { TokenValue } from "./types.ts";

/** Rows of W_dec per matmul: keeps the [chunk, d_vocab] product under 64 MiB and within one binding. */
function chunkRows(V: number, maxBinding: number): number {
  return Math.max(1, Math.min(512, Math.floor(Math.min(64 * 2 ** 20, maxBinding) / (4 * V))));
}

export async function featureLogitEffectsGpu(
  device: Device,
  W_dec: HostTensor,
  W_U: HostTensor,
  features: readonly number[],
  topN: number,
  idsToStrings: (ids: readonly number[]) => string[],
): Promise<LogitEffects[]> {
  const [d_sae, d_in] = W_dec.shape;
  const V = W_U.shape[1];
  if (W_U.shape[0] !== d_in) throw new LimitError(`logit effects: W_dec [${W_dec.shape.join(", ")}] and W_U [${W_U.shape.join(", ")}] must be [d_sae, d_in] and [d_in, d_vocab]`);
  for (const i of features) if (!(Number.isInteger(i) && i >= 0 && i < d_sae)) throw new LimitError(`feature index ${i} out of range [0, ${d_sae})`);
  const n = Math.min(topN, V);
  const u = Tensor.from(device, [d_in, V], W_U.data as Float32Array, "W_U");
  const out: LogitEffects[] = [];
  try {
    const step = chunkRows(V, device.maxBinding);
    for (let s = 0; s < features.length; s += step) {
      const ids = features.slice(s, s + step);
      const rows = new Float32Array(ids.length * d_in); // [chunk, d_in]
      ids.forEach((f, r) => rows.set(W_dec.data.subarray(f * d_in, (f + 1) * d_in) as Float32Array, r * d_in));
      const w = Tensor.from(device, [ids.length, d_in], rows, "W_dec rows");
      const prod = matmul(w, u); // [chunk, d_vocab]
      const neg = scale(prod, -1);
      const top = topk(prod, n);
      const bottom = topk(neg, n);
      const tv = await top.values.read();
      const ti = await top.indices.read();
      const bv = await bottom.values.read();
      const bi = await bottom.indices.read();
      for (const t of [w, prod, neg, top.values, top.indices, bottom.values, bottom.indices]) t.dispose();
      ids.forEach((index, r) => {
        const pick = (idx: ArrayLike<number>, val: ArrayLike<number>, sign: number): TokenValue[] => {
          const tokens = Array.from({ length: n }, (_, j) => idx[r * n + j]);
          const strs = idsToStrings(tokens);
          return tokens.map((token, j) => ({ token, str: strs[j], value: sign * val[r * n + j] }));
        };
        out.push({ index, promoted: pick(ti, tv, 1), suppressed: pick(bi, bv, -1) });
      });
    }
  } finally {
    u.dispose();
  }
  return out;
}
