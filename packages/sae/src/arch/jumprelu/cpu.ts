// CPU reference of the JumpReLU SAE (float64; cpu/reference.ts drives it): f = pre * H(pre - t), the step or tanh
// sparsity term with the straight-through threshold gradient (rectangle of width jumprelu_bandwidth), pre_act_loss.
import type { CpuArch, CpuStep } from "../../cpu/types.ts";
import { linearPre } from "../../cpu/math.ts";

export const jumpreluCpu: CpuArch = {
  acts(s: CpuStep): void {
    linearPre(s);
    const { p, f, mask, pre, col } = s;
    const thr = p.log_threshold.map(Math.exp);
    for (let i = 0; i < f.length; i++) if (pre[i] > thr[col(i)]) [f[i], mask[i]] = [pre[i], 1];
  },
  losses(s: CpuStep): void {
    const { cfg, p, B, f, mask, pre, norms, col, gF, gPre, grads, losses, c0, dead, numDead, normGrad } = s;
    const { d_sae } = cfg;
    const bw = cfg.jumprelu_bandwidth;
    const thr = p.log_threshold.map(Math.exp);
    const gThr = new Float64Array(d_sae); // d loss / d threshold
    const rect = (i: number) => Math.abs((pre[i] - thr[col(i)]) / bw) < 0.5;
    if (cfg.jumprelu_sparsity_loss_mode === "tanh") {
      const s = cfg.jumprelu_tanh_scale;
      const sNorm = new Float64Array(d_sae);
      let l0 = 0;
      for (let i = 0; i < f.length; i++) {
        const th = Math.tanh(s * f[i] * norms[col(i)]);
        l0 += th;
        const d = c0 * s * (1 - th * th);
        gF[i] += d * norms[col(i)];
        sNorm[col(i)] += d * f[i];
      }
      losses.l0_loss = c0 * l0;
      normGrad(sNorm);
    } else {
      losses.l0_loss = c0 * mask.reduce((s, v) => s + v, 0);
      for (let i = 0; i < f.length; i++) if (rect(i)) gThr[col(i)] -= c0 / bw;
    }
    for (let i = 0; i < f.length; i++) {
      gPre[i] = gF[i] * mask[i];
      if (rect(i)) gThr[col(i)] -= (thr[col(i)] / bw) * gF[i];
    }
    if (cfg.pre_act_loss_coefficient !== null) {
      const q = cfg.pre_act_loss_coefficient / B;
      let pa = 0;
      const sNorm = new Float64Array(d_sae);
      for (let i = 0; i < f.length && numDead > 0; i++) {
        const j = col(i);
        if (!dead?.[j] || !(thr[j] > pre[i])) continue;
        pa += (thr[j] - pre[i]) * norms[j];
        gPre[i] -= q * norms[j];
        gThr[j] += q * norms[j];
        sNorm[j] += q * (thr[j] - pre[i]);
      }
      losses.pre_act_loss = q * pa;
      normGrad(sNorm);
    }
    grads.log_threshold = gThr.map((v, j) => v * thr[j]);
  },
};
