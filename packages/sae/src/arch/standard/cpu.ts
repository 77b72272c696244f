// CPU reference of the standard SAE (float64; cpu/reference.ts drives it): f = ReLU(pre), l1 = c1 sum_b ||f_b *
// ||W_dec|| ||_p with p = lp_norm.
import type { CpuArch, CpuStep } from "../../cpu/types.ts";
import { linearPre } from "../../cpu/math.ts";

export const standardCpu: CpuArch = {
  acts(s: CpuStep): void {
    linearPre(s);
    const { f, mask, pre } = s;
    for (let i = 0; i < f.length; i++) if (pre[i] > 0) [f[i], mask[i]] = [pre[i], 1];
  },
  losses(s: CpuStep): void {
    const { cfg, B, f, mask, norms, gF, gPre, losses, c1, normGrad } = s;
    const { d_sae } = cfg;
    // l1 = c1 sum_b ||w_b||_p, w = f * ||W_dec||
    const P = cfg.lp_norm;
    const sNorm = new Float64Array(d_sae);
    let l1 = 0;
    for (let b = 0; b < B; b++) {
      let r = 0;
      for (let i = 0; i < d_sae; i++) r += Math.abs(f[b * d_sae + i] * norms[i]) ** P;
      r **= 1 / P;
      l1 += r;
      for (let i = 0; i < d_sae; i++) {
        const w = f[b * d_sae + i] * norms[i];
        const dw = w === 0 || r === 0 ? 0 : c1 * r ** (1 - P) * Math.abs(w) ** (P - 1) * Math.sign(w);
        gF[b * d_sae + i] += dw * norms[i];
        sNorm[i] += dw * f[b * d_sae + i];
      }
    }
    losses.l1_loss = c1 * l1;
    normGrad(sNorm);
    for (let i = 0; i < gPre.length; i++) gPre[i] = gF[i] * mask[i];
  },
};
