// CPU reference of the gated SAE (float64; cpu/reference.ts drives it): gate, magnitude, the decoder-norm-weighted
// gate L1 and the auxiliary reconstruction through ReLU(gate) (its gradient reaching W_dec and b_dec).
import type { CpuArch, CpuStep } from "../../cpu/types.ts";
import { addInto, colSum, mm, mmTA } from "../../cpu/math.ts";

export const gatedCpu: CpuArch = {
  acts(s: CpuStep): void {
    const { p, h, f, mask, col } = s;
    const e = p.r_mag.map(Math.exp);
    s.pre = s.pre0 = h.map((v, i) => v * e[col(i)] + p.b_mag[col(i)]);
    const pre0 = s.pre0;
    const piGate = h.map((v, i) => v + p.b_gate[col(i)]);
    s.gateAct = piGate.map((v) => Math.max(v, 0));
    for (let i = 0; i < f.length; i++) if (piGate[i] > 0 && pre0[i] > 0) [f[i], mask[i]] = [pre0[i], 1];
  },
  losses(s: CpuStep): void {
    const { cfg, p, B, h, mask, norms, col, gF, gPre, grads, gW_dec, gb_dec, losses, c1, normGrad, sqErr } = s;
    const { d_in, d_sae } = cfg;
    const { W_dec, b_dec } = p;
    const gateAct = s.gateAct;
    const ga = gateAct as Float64Array;
    losses.l1_loss = c1 * ga.reduce((s, v, i) => s + v * norms[col(i)], 0);
    normGrad(colSum(ga, B, d_sae).map((v) => c1 * v));
    const via = mm(ga, W_dec, B, d_sae, d_in);
    for (let i = 0; i < via.length; i++) via[i] += b_dec[i % d_in];
    const gVia = new Float64Array(B * d_in);
    losses.auxiliary_reconstruction_loss = sqErr(via, gVia);
    addInto(gW_dec, mmTA(ga, gVia, B, d_sae, d_in));
    addInto(gb_dec, colSum(gVia, B, d_in));
    const gGate = mm(gVia, W_dec, B, d_in, d_sae, true);
    for (let i = 0; i < gGate.length; i++) gGate[i] = ga[i] > 0 ? gGate[i] + c1 * norms[col(i)] : 0;
    const e = p.r_mag.map(Math.exp);
    const gMag = gF.map((v, i) => v * mask[i]);
    grads.b_gate = colSum(gGate, B, d_sae);
    grads.b_mag = colSum(gMag, B, d_sae);
    grads.r_mag = colSum(gMag.map((v, i) => v * h[i]), B, d_sae).map((v, i) => v * e[i]);
    gPre.set(gGate.map((v, i) => v + gMag[i] * e[col(i)])); // d loss / d (sae_in W_enc)
  },
};
