// `bun bench/big_vocab.ts`: a Gemma-2-2B-sized embedding / unembedding (256000 x 2304: 2.36 GB in f32, 1.18 GB in
// f16) on this device, past one storage binding: tensor-core's PackedMatrix in row chunks, embeddingPacked for four
// ids (0, 1, 123456, V - 1) and matmulPacked for their logits [1, 4, V]. Checks the gathered rows against the host
// values (exact in f32, the f16 rounding in f16) and 16 logits against float64 dot products of the stored rows.
// A correctness check at full size (about 1 minute per format on llvmpipe; needs ~8 GB of host memory), not a timing.
import { getDevice, PackedMatrix, Tensor, embeddingPacked, matmulPacked } from "@sae/tensor-core";

const V = 256000;
const D = 2304;
const dev = await getDevice();
console.log(`${dev.describe()}; maxStorageBufferBindingSize ${dev.limits.maxStorageBufferBindingSize}`);
const data = new Float32Array(V * D); // [V, D] deterministic values in [-0.5, 0.5)
for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000003) / 1000003 - 0.5;
const ids = [0, 1, 123456, V - 1];
const cols = [0, 7, 200000, V - 1];
for (const format of ["f16", "f32"] as const) {
  const t0 = performance.now();
  const W = PackedMatrix.upload(dev, [V, D], data, format, { label: "W_E" });
  const idsT = Tensor.from(dev, [ids.length], Int32Array.from(ids));
  const e = embeddingPacked(W, idsT); // [4, D]
  const logits = matmulPacked(e.reshape([1, ids.length, D]), W, { transB: true }); // [1, 4, V]
  const got = (await logits.read()) as Float32Array;
  const emb = (await e.read()) as Float32Array;
  const ms = performance.now() - t0;
  const stored = await W.read();
  let gatherErr = 0;
  let logitErr = 0;
  ids.forEach((id, i) => {
    for (let d = 0; d < D; d++) gatherErr = Math.max(gatherErr, Math.abs(emb[i * D + d] - data[id * D + d]));
    for (const j of cols) {
      let s = 0;
      for (let d = 0; d < D; d++) s += stored[id * D + d] * stored[j * D + d];
      logitErr = Math.max(logitErr, Math.abs(got[i * V + j] - s) / Math.max(1, Math.abs(s)));
    }
  });
  const gb = (W.byteLength / 1e9).toFixed(2);
  console.log(
    `${format}: ${W.chunks.length} chunks, ${gb} GB; gathered rows max |err| ${gatherErr.toExponential(2)} ` +
      `(f16 half-ulp here 1.2e-4); 16 logits max rel err ${logitErr.toExponential(2)}; ${ms.toFixed(0)} ms`,
  );
  for (const t of [idsT, e, logits, W]) t.dispose();
}
