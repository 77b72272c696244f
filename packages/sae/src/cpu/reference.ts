// CPU reference of every architecture's training forward and hand-written backward, in float64 plain loops: the
// readable statement of the SAELens 6.18 formulas the GPU code implements, checked against SAELens's own outputs
// (fixtures/saelens/training.json). This driver holds what every architecture shares (sae_in, decode, MSE, the
// decoder and encoder gradients); each architecture's activations and loss terms are its `cpu` part
// (arch/<name>/cpu.ts, cpu/types.ts). Not for production: O(batch * d_in * d_sae) scalar loops.
import { architecture } from "../arch/registry.ts";
import type { SaeConfig } from "../config.ts";
import { addInto, colSum, mm, mmTA, rowNorms } from "./math.ts";
import type { CpuStep, CpuTrainContext, HostParams } from "./types.ts";

export { topIndices } from "./math.ts";
export type { CpuTrainContext, HostParams } from "./types.ts";

export interface CpuTrainResult {
  hiddenPre: Float64Array; // [batch, d_sae]
  featureActs: Float64Array; // [batch, d_sae]
  saeOut: Float64Array; // [batch, d_in]
  losses: Record<string, number>;
  loss: number;
  grads: HostParams;
  topkThreshold?: number;
}

/** One training step: forward, every loss term, and the gradient of the total loss w.r.t. every parameter. */
export function cpuTrainStep(cfg: SaeConfig, p: HostParams, x: ArrayLike<number>, batch: number, ctx: CpuTrainContext = {}): CpuTrainResult {
  const { d_in, d_sae } = cfg;
  const B = batch;
  const { W_enc, W_dec, b_dec } = p;
  const arch = architecture(cfg.architecture);
  const saeIn = new Float64Array(B * d_in); // [batch, d_in]
  for (let i = 0; i < saeIn.length; i++) saeIn[i] = x[i] - (cfg.apply_b_dec_to_input ? b_dec[i % d_in] : 0);
  const h = mm(saeIn, W_enc, B, d_in, d_sae); // [batch, d_sae]
  const norms = rowNorms(W_dec, d_sae, d_in); // [d_sae]
  const s = {
    cfg,
    p,
    x,
    B,
    ctx,
    h,
    norms,
    col: (i: number) => i % d_sae,
    rescale: arch.topkFamily && cfg.rescale_acts_by_decoder_norm,
    f: new Float64Array(B * d_sae),
    mask: new Float64Array(B * d_sae),
    pre: h,
    pre0: h,
    gateAct: null,
    losses: {},
    grads: {},
    c1: (ctx.l1Coefficient ?? cfg.l1_coefficient) / B,
    c0: (ctx.l0Coefficient ?? cfg.l0_coefficient) / B,
    dead: ctx.deadMask,
    numDead: ctx.deadMask ? Array.from(ctx.deadMask).filter((v) => v).length : 0,
  } as unknown as CpuStep;
  arch.cpu.acts(s);
  // decoded activations: f / ||W_dec[i]|| when rescaling (= the selected pre0; the norms cancel in every gradient)
  const { f, col } = s;
  s.f0 = s.rescale ? f.map((v, i) => v / norms[col(i)]) : f;
  s.out = mm(s.f0, W_dec, B, d_sae, d_in);
  for (let i = 0; i < s.out.length; i++) s.out[i] += b_dec[i % d_in];
  s.sqErr = (y: ArrayLike<number>, g: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const d = y[i] - x[i];
      sum += d * d;
      g[i] = (2 * d) / B;
    }
    return sum / B;
  };
  const gOut = new Float64Array(B * d_in); // [batch, d_in]
  s.losses.mse_loss = s.sqErr(s.out, gOut);
  s.gW_dec = mmTA(s.f0, gOut, B, d_sae, d_in);
  s.gb_dec = colSum(gOut, B, d_in);
  s.gF = mm(gOut, W_dec, B, d_in, d_sae, true); // [batch, d_sae] d loss / d f0
  s.gPre = new Float64Array(B * d_sae); // d loss / d pre0, filled by the architecture
  s.normGrad = (sNorm: ArrayLike<number>): void => {
    for (let i = 0; i < d_sae; i++) {
      for (let j = 0; j < d_in; j++) s.gW_dec[i * d_in + j] += (sNorm[i] * W_dec[i * d_in + j]) / norms[i];
    }
  };
  arch.cpu.losses(s);

  const { grads, gPre, gb_dec } = s;
  if (arch.paramShapes(cfg).b_enc) grads.b_enc = colSum(gPre, B, d_sae);
  grads.W_enc = mmTA(saeIn, gPre, B, d_in, d_sae);
  if (cfg.apply_b_dec_to_input) addInto(gb_dec, colSum(mm(gPre, W_enc, B, d_sae, d_in, true), B, d_in), -1);
  grads.W_dec = s.gW_dec;
  grads.b_dec = gb_dec;
  const loss = Object.values(s.losses).reduce((a, v) => a + v, 0);
  const { pre: hiddenPre, out: saeOut, losses, topkThreshold } = s;
  return { hiddenPre, featureActs: f, saeOut, losses, loss, grads, topkThreshold };
}
