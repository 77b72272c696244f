// TopK's encoder GEMM and top-k select in blocks of rows, for training when the pre-activations [batch, d_sae] are
// larger than one storage binding (d_sae 131,072 at batch 4,096 is 2 GiB): each block's pre = sae_in W_enc + b_enc
// (times ||W_dec[i]|| when rescaling) lives only until its top-k is taken into rows of values/indices [batch, k],
// so device memory is the parameters, the [batch, k] pairs and one block. Used only while no latent is dead (the
// aux-k term then needs nothing dense); hidden_pre is made on demand if someone reads it. Not an architecture.
import { matmul, mul, Tensor, topk } from "@sae/tensor-core";
import type { SaeModel, TrainContext } from "../contract.ts";
import { auxBudget } from "../family/auxk.ts";

/** Rows per block: a multiple of 64 (aligned row views) whose [rows, d_sae] fits one binding. */
function blockRows(m: SaeModel): number {
  const row = m.cfg.d_sae * 4;
  return Math.max(64, Math.floor(m.device.maxBinding / row / 64) * 64);
}

/** Whether this step selects in row blocks: [batch, d_sae] over one binding and no dead latent. */
export function selectsInBlocks(m: SaeModel, batch: number, ctx: TrainContext): boolean {
  return batch * m.cfg.d_sae * 4 > m.device.maxBinding && batch > blockRows(m) && auxBudget(m, ctx).numDead === 0;
}

/** pre (times norms when given) [rows, d_sae] of sae_in rows. */
function scoresOf(m: SaeModel, saeIn: Tensor, norms: Tensor | null): Tensor {
  const pre = matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc });
  return norms ? mul(pre, norms, { out: pre }) : pre;
}

interface TopkPairs {
  values: Tensor; // [batch, k]
  indices: Tensor; // [batch, k] i32
}

/** The top k scores per row (not ReLU'd) [batch, k] and their latents [batch, k] i32, a block of rows at a time. */
export function topkInBlocks(m: SaeModel, saeIn: Tensor, k: number, norms: Tensor | null): TopkPairs {
  const batch = saeIn.shape[0];
  const values = Tensor.empty(m.device, [batch, k], "f32", "topk values");
  const indices = Tensor.empty(m.device, [batch, k], "i32", "topk indices");
  const per = blockRows(m);
  for (let r0 = 0; r0 < batch; r0 += per) {
    const r1 = Math.min(batch, r0 + per);
    const hp = scoresOf(m, saeIn.rows(r0, r1), norms); // [rows, d_sae], this block only
    topk(hp, k, { values: values.rows(r0, r1), indices: indices.rows(r0, r1) });
    hp.dispose();
  }
  return { values, indices };
}

/** hidden_pre [batch, d_sae] as the dense path has it, made when read (one dense tensor, ops split it). */
export function denseScores(m: SaeModel, saeIn: Tensor, norms: Tensor | null): Tensor {
  return scoresOf(m, saeIn, norms);
}
