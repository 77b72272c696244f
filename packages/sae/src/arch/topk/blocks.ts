// The TopK family's encoder GEMM and selections in blocks of rows, for training when the pre-activations
// [batch, d_sae] are larger than one storage binding (d_sae 131,072 at batch 4,096 is 2 GiB): each block's scores
// = sae_in W_enc + b_enc (times ||W_dec[i]|| when rescaling) live only until what the step needs is taken from them:
// TopK's per-row top k into rows of [batch, k] pairs, the aux-k term's top k_aux over dead latents into rows of its
// rounds (family/auxk.ts: live latents masked, then the same rounds as the dense form), BatchTopK's candidates
// (batchtopk/blocks.ts). Device memory is the parameters, the pairs and one block (two while the aux term masks it);
// hidden_pre is made on demand if someone reads it. Not an architecture.
import { matmul, mul, Tensor, topk } from "@sae/tensor-core";
import type { SaeModel, TrainContext } from "../contract.ts";
import { auxDead, deadRounds, maskLive, roundSizes, type AuxPairs } from "../family/auxk.ts";

/** Rows per block: a multiple of 64 (aligned row views) whose [rows, d_sae] fits one binding. */
function blockRows(m: SaeModel): number {
  const row = m.cfg.d_sae * 4;
  return Math.max(64, Math.floor(m.device.maxBinding / row / 64) * 64);
}

/** Whether this step selects in row blocks: [batch, d_sae] over one binding (dead latents or not). */
export function selectsInBlocks(m: SaeModel, batch: number): boolean {
  return batch * m.cfg.d_sae * 4 > m.device.maxBinding && batch > blockRows(m);
}

/** pre (times norms when given) [rows, d_sae] of sae_in rows. */
function scoresOf(m: SaeModel, saeIn: Tensor, norms: Tensor | null): Tensor {
  const pre = matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc });
  return norms ? mul(pre, norms, { out: pre }) : pre;
}

/** Calls visit with each block's scores [rows, d_sae] (rows r0..r1 of the batch), freed after. */
export function forBlocks(m: SaeModel, saeIn: Tensor, norms: Tensor | null,
  visit: (hp: Tensor, r0: number, r1: number) => void): void {
  const batch = saeIn.shape[0];
  const per = blockRows(m);
  for (let r0 = 0; r0 < batch; r0 += per) {
    const r1 = Math.min(batch, r0 + per);
    const hp = scoresOf(m, saeIn.rows(r0, r1), norms); // [rows, d_sae], this block only
    visit(hp, r0, r1);
    hp.dispose();
  }
}

/** The aux-k rounds as taken from blocks: the dense form's pairs (score scale) and its coefficient. */
export interface BlockAux {
  rounds: AuxPairs[];
  coef: number;
  owned: Tensor[];
}

/** The aux-k term's rounds [batch, r] filled block by block by take(); null when no latent is dead. */
export function auxInBlocks(m: SaeModel, batch: number, ctx: TrainContext):
  { aux: BlockAux; take(hp: Tensor, r0: number, r1: number): void } | null {
  const dead = auxDead(m, batch, ctx);
  if (!dead) return null;
  const rounds = roundSizes(dead.kAux).map((r) => ({
    values: Tensor.empty(m.device, [batch, r], "f32", "aux values"),
    indices: Tensor.empty(m.device, [batch, r], "i32", "aux indices"),
  }));
  return {
    aux: { rounds, coef: dead.coef, owned: [dead.deadBias] },
    take(hp, r0, r1) {
      const masked = maskLive(hp, dead.deadBias); // [rows, d_sae], live latents at -3e38
      const into = rounds.map((r) => ({ values: r.values.rows(r0, r1), indices: r.indices.rows(r0, r1) }));
      deadRounds(masked, dead.kAux, into);
      masked.dispose();
    },
  };
}

interface TopkPairs {
  values: Tensor; // [batch, k]
  indices: Tensor; // [batch, k] i32
  aux: BlockAux | null;
}

/** The top k scores per row (not ReLU'd) [batch, k], their latents [batch, k] i32 and the aux-k rounds. */
export function topkInBlocks(m: SaeModel, saeIn: Tensor, k: number, norms: Tensor | null, ctx: TrainContext):
  TopkPairs {
  const batch = saeIn.shape[0];
  const values = Tensor.empty(m.device, [batch, k], "f32", "topk values");
  const indices = Tensor.empty(m.device, [batch, k], "i32", "topk indices");
  const aux = auxInBlocks(m, batch, ctx);
  forBlocks(m, saeIn, norms, (hp, r0, r1) => {
    topk(hp, k, { values: values.rows(r0, r1), indices: indices.rows(r0, r1) });
    aux?.take(hp, r0, r1);
  });
  return { values, indices, aux: aux?.aux ?? null };
}

/** hidden_pre [batch, d_sae] as the dense path has it, made when read (one dense tensor, ops split it). */
export function denseScores(m: SaeModel, saeIn: Tensor, norms: Tensor | null): Tensor {
  return scoresOf(m, saeIn, norms);
}
