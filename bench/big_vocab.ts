// `bun bench/big_vocab.ts`: a Gemma-2-2B-sized embedding / unembedding (256000 x 2304: 2.36 GB in f32, 1.18 GB in
// f16) on this device, past one storage binding: tensor-core's PackedMatrix in row chunks, embeddingPacked for four
// ids (0, 1, 123456, V - 1) and matmulPacked for their logits [1, 4, V]. Checks the gathered rows against the host
// values (exact in f32, the f16 rounding in f16) and 16 logits against float64 dot products of the stored rows.
// Then the blocked CE loss (@sae/transformer's LogitRows + nextTokenLosses): 256 positions (the four rows repeated)
// whose logits [1, 256, V] (262 MB) are over one binding, unembedded a block of positions at a time; each
// position's next-token CE against float64 log-softmax of the stored rows.
// A correctness check at full size (a few minutes per format on llvmpipe; needs ~8 GB of host memory), not a timing.
import { getDevice, PackedMatrix, Tensor, embeddingPacked, matmulPacked } from "@sae/tensor-core";
import { logitRows, nextTokenLosses } from "@sae/transformer";

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
  await blockedCe(W, stored, format);
  for (const t of [idsT, e, logits, W]) t.dispose();
}

/** Next-token CE of 256 positions (ids repeated) through LogitRows vs float64 maths on the stored rows. */
async function blockedCe(W: PackedMatrix, stored: Float32Array, format: string): Promise<void> {
  const P = 256;
  const seq = Array.from({ length: P }, (_, p) => ids[p % ids.length]);
  const t0 = performance.now();
  const seqT = Tensor.from(dev, [P], Int32Array.from(seq));
  const hidden = embeddingPacked(W, seqT); // [pos, d_model]: the stored rows as residuals
  const b_U = Tensor.zeros(dev, [V]);
  const { rows } = logitRows(hidden.reshape([1, P, D]), { W_U_T: W, b_U, softcap: 0 }, false);
  const ce = await nextTokenLosses(rows, seq); // [1, P - 1]
  const ms = performance.now() - t0;
  // float64: CE(i -> j) = logsumexp_v(<w_i, w_v>) - <w_i, w_j> for the 4 distinct (i, next) pairs
  const want = ids.map((id, a) => {
    const next = ids[(a + 1) % ids.length];
    const row = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += stored[id * D + d] * stored[v * D + d];
      row[v] = s;
    }
    const m = row.reduce((x, y) => Math.max(x, y), -Infinity);
    return m + Math.log(row.reduce((acc, x) => acc + Math.exp(x - m), 0)) - row[next];
  });
  let err = 0;
  for (let p = 0; p < P - 1; p++) {
    const w = want[p % ids.length];
    err = Math.max(err, Math.abs(ce[p] - w) / Math.max(1, w));
  }
  console.log(
    `${format} blocked CE: logits [1, ${P}, ${V}] ${((P * V * 4) / 1e6).toFixed(0)} MB, bindings of ` +
      `${(dev.maxBinding / 1e6).toFixed(0)} MB: ${Math.ceil(P / rows.blockRows)} blocks of ${rows.blockRows} ` +
      `positions; ${P - 1} CE values max rel err vs float64 ${err.toExponential(2)}; ${ms.toFixed(0)} ms`,
  );
  rows.dispose();
  for (const t of [seqT, hidden, b_U]) t.dispose();
}
