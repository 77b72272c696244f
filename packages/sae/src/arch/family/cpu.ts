// CPU reference of the TopK family (float64; cpu/reference.ts drives it): topk per row, batchtopk over the batch
// (with the running threshold update), Matryoshka's inner prefix losses, and aux-k over dead latents.
import type { CpuArch, CpuStep } from "../../cpu/types.ts";
import { addInto, colSum, linearPre, mm, mmTA, topIndices } from "../../cpu/math.ts";

/** topk: the k largest scores of each row (ReLU'd). */
export function topkCpuActs(s: CpuStep): void {
  linearPre(s);
  const { cfg, B, f, mask, pre } = s;
  const { d_sae } = cfg;
  for (let b = 0; b < B; b++) {
    const row = pre.subarray(b * d_sae, (b + 1) * d_sae);
    for (const j of topIndices(row, cfg.k as number)) {
      if (row[j] > 0) [f[b * d_sae + j], mask[b * d_sae + j]] = [row[j], 1];
    }
  }
}

/** batchtopk / matryoshka: the floor(k * batch) largest ReLU'd scores of the batch, and the threshold update. */
export function batchCpuActs(s: CpuStep): void {
  linearPre(s);
  const { cfg, B, f, mask, pre, ctx } = s;
  const acts = pre.map((v) => Math.max(v, 0));
  for (const i of topIndices(acts, Math.floor((cfg.k as number) * B))) if (acts[i] > 0) [f[i], mask[i]] = [acts[i], 1];
  let minPos = Infinity;
  for (const v of f) if (v > 0 && v < minPos) minPos = v;
  const t0 = ctx.topkThreshold ?? 0;
  s.topkThreshold = minPos === Infinity ? t0 : (1 - cfg.topk_threshold_lr) * t0 + cfg.topk_threshold_lr * minPos;
}

/** The family's loss terms: Matryoshka's inner MSEs for `widths` (none for topk / batchtopk), then aux-k. */
export function familyCpuLosses(s: CpuStep, widths: readonly number[]): void {
  const { cfg, p, x, B, pre, mask, norms, col, f0, out, gF, gPre, gW_dec, gb_dec, losses, dead, numDead, rescale, sqErr } = s;
  const { d_in, d_sae } = cfg;
  const { W_dec, b_dec } = p;
  for (const w of widths) {
    const fw = f0.map((v, i) => (col(i) < w ? v : 0));
    const inner = mm(fw, W_dec, B, d_sae, d_in);
    for (let i = 0; i < inner.length; i++) inner[i] += b_dec[i % d_in];
    const gI = new Float64Array(B * d_in);
    losses[`inner_mse_loss_${w}`] = sqErr(inner, gI);
    addInto(gW_dec, mmTA(fw, gI, B, d_sae, d_in));
    addInto(gb_dec, colSum(gI, B, d_in));
    addInto(gF, mm(gI, W_dec, B, d_in, d_sae, true).map((v, i) => (col(i) < w ? v : 0)));
  }
  for (let i = 0; i < gPre.length; i++) gPre[i] = gF[i] * mask[i];
  losses.auxiliary_reconstruction_loss = 0;
  if (dead && numDead > 0) {
    // aux-k: decode(top k_aux dead scores, raw) against the detached residual x - x_hat
    const kAux0 = cfg.k_aux ?? Math.floor(d_in / 2);
    const coef = cfg.aux_loss_coefficient * Math.min(numDead / kAux0, 1);
    let aux = 0;
    for (let b = 0; b < B; b++) {
      const masked = Array.from({ length: d_sae }, (_, j) => (dead[j] ? pre[b * d_sae + j] : -Infinity));
      const idx = topIndices(masked, Math.min(kAux0, numDead));
      const a0 = (j: number) => (rescale ? masked[j] / norms[j] : masked[j]);
      const e = new Float64Array(d_in);
      for (let c = 0; c < d_in; c++) e[c] = b_dec[c] - (x[b * d_in + c] - out[b * d_in + c]);
      for (const j of idx) for (let c = 0; c < d_in; c++) e[c] += a0(j) * W_dec[j * d_in + c];
      for (let c = 0; c < d_in; c++) {
        aux += e[c] * e[c];
        gb_dec[c] += (2 * coef * e[c]) / B;
      }
      for (const j of idx) {
        let dot = 0;
        for (let c = 0; c < d_in; c++) {
          const g = (2 * coef * e[c]) / B;
          dot += g * W_dec[j * d_in + c];
          gW_dec[j * d_in + c] += g * a0(j);
        }
        gPre[b * d_sae + j] += dot;
      }
    }
    losses.auxiliary_reconstruction_loss = (coef * aux) / B;
  }

}
