// CPU reference of every architecture's training forward and hand-written backward, in float64 plain loops: the
// readable statement of the SAELens 6.18 formulas the GPU code implements, checked against SAELens's own outputs
// (fixtures/saelens/training.json). Not for production: O(batch * d_in * d_sae) scalar loops.
import type { SaeConfig } from "../config.ts";

export type HostParams = Record<string, Float64Array>;

export interface CpuTrainContext {
  /** [d_sae] 1 where a latent counts as dead (TopK family aux-k loss, JumpReLU pre_act_loss). */
  deadMask?: ArrayLike<number>;
  /** batchtopk / matryoshka: the running threshold before this step. */
  topkThreshold?: number;
  /** Sparsity coefficients after warm-up (default cfg.l1_coefficient / cfg.l0_coefficient). */
  l1Coefficient?: number;
  l0Coefficient?: number;
}

export interface CpuTrainResult {
  hiddenPre: Float64Array; // [batch, d_sae]
  featureActs: Float64Array; // [batch, d_sae]
  saeOut: Float64Array; // [batch, d_in]
  losses: Record<string, number>;
  loss: number;
  grads: HostParams;
  topkThreshold?: number;
}

/** out[m, n] = sum_k a[m, k] b[k, n] (optionally b transposed: b[n, k]). */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, transB = false): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k];
      if (av === 0) continue;
      for (let n = 0; n < N; n++) out[m * N + n] += av * (transB ? b[n * K + k] : b[k * N + n]);
    }
  }
  return out;
}

/** out[k, n] = sum_m a[m, k] b[m, n]. */
function mmTA(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(K * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k];
      if (av === 0) continue;
      for (let n = 0; n < N; n++) out[k * N + n] += av * b[m * N + n];
    }
  }
  return out;
}

function colSum(a: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c] += a[r * C + c];
  return out;
}

function rowNorms(w: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += w[r * C + c] ** 2;
    out[r] = Math.sqrt(s);
  }
  return out;
}

/** Indices of the n largest values, descending, ties to the lower index. */
export function topIndices(v: ArrayLike<number>, n: number): number[] {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => (v[b] - v[a]) || a - b);
  return idx.slice(0, n);
}

function addInto(dst: Float64Array, src: ArrayLike<number>, s = 1): void {
  for (let i = 0; i < dst.length; i++) dst[i] += s * src[i];
}

/** One training step: forward, every loss term, and the gradient of the total loss w.r.t. every parameter. */
export function cpuTrainStep(cfg: SaeConfig, p: HostParams, x: ArrayLike<number>, batch: number, ctx: CpuTrainContext = {}): CpuTrainResult {
  const { d_in, d_sae } = cfg;
  const B = batch;
  const { W_enc, W_dec, b_dec } = p;
  const saeIn = new Float64Array(B * d_in); // [batch, d_in]
  for (let i = 0; i < saeIn.length; i++) saeIn[i] = x[i] - (cfg.apply_b_dec_to_input ? b_dec[i % d_in] : 0);
  const h = mm(saeIn, W_enc, B, d_in, d_sae); // [batch, d_sae]
  const norms = rowNorms(W_dec, d_sae, d_in); // [d_sae]
  const col = (i: number) => i % d_sae;
  const f = new Float64Array(B * d_sae); // feature_acts as SAELens reports them
  const mask = new Float64Array(B * d_sae); // d f0 / d pre0 on the active path
  const losses: Record<string, number> = {};
  const arch = cfg.architecture;
  const family = arch === "topk" || arch === "batchtopk" || arch === "matryoshka_batchtopk";
  const rescale = family && cfg.rescale_acts_by_decoder_norm;
  let pre0 = h; // pre-activation the gradients reach
  let pre = h; // hidden_pre as reported
  let gateAct: Float64Array | null = null;
  let topkThreshold: number | undefined;

  if (arch === "gated") {
    const e = p.r_mag.map(Math.exp);
    pre = pre0 = h.map((v, i) => v * e[col(i)] + p.b_mag[col(i)]);
    const piGate = h.map((v, i) => v + p.b_gate[col(i)]);
    gateAct = piGate.map((v) => Math.max(v, 0));
    for (let i = 0; i < f.length; i++) if (piGate[i] > 0 && pre0[i] > 0) [f[i], mask[i]] = [pre0[i], 1];
  } else {
    pre = pre0 = h.map((v, i) => v + p.b_enc[col(i)]);
    if (rescale) pre = pre0.map((v, i) => v * norms[col(i)]);
    if (arch === "standard") {
      for (let i = 0; i < f.length; i++) if (pre[i] > 0) [f[i], mask[i]] = [pre[i], 1];
    } else if (arch === "jumprelu") {
      const thr = p.log_threshold.map(Math.exp);
      for (let i = 0; i < f.length; i++) if (pre[i] > thr[col(i)]) [f[i], mask[i]] = [pre[i], 1];
    } else if (arch === "topk") {
      for (let b = 0; b < B; b++) {
        const row = pre.subarray(b * d_sae, (b + 1) * d_sae);
        for (const j of topIndices(row, cfg.k as number)) if (row[j] > 0) [f[b * d_sae + j], mask[b * d_sae + j]] = [row[j], 1];
      }
    } else {
      const acts = pre.map((v) => Math.max(v, 0));
      for (const i of topIndices(acts, Math.floor((cfg.k as number) * B))) if (acts[i] > 0) [f[i], mask[i]] = [acts[i], 1];
      let minPos = Infinity;
      for (const v of f) if (v > 0 && v < minPos) minPos = v;
      const t0 = ctx.topkThreshold ?? 0;
      topkThreshold = minPos === Infinity ? t0 : (1 - cfg.topk_threshold_lr) * t0 + cfg.topk_threshold_lr * minPos;
    }
  }
  // decoded activations: f / ||W_dec[i]|| when rescaling (= the selected pre0; the norms cancel in every gradient)
  const f0 = rescale ? f.map((v, i) => v / norms[col(i)]) : f;

  const out = mm(f0, W_dec, B, d_sae, d_in);
  for (let i = 0; i < out.length; i++) out[i] += b_dec[i % d_in];
  const sqErr = (y: ArrayLike<number>, g: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const d = y[i] - x[i];
      s += d * d;
      g[i] = (2 * d) / B;
    }
    return s / B;
  };
  const gOut = new Float64Array(B * d_in); // [batch, d_in]
  losses.mse_loss = sqErr(out, gOut);

  const grads: HostParams = {};
  const gW_dec = mmTA(f0, gOut, B, d_sae, d_in);
  const gb_dec = colSum(gOut, B, d_in);
  const gF = mm(gOut, W_dec, B, d_in, d_sae, true); // [batch, d_sae] d loss / d f0
  const gPre = new Float64Array(B * d_sae); // d loss / d pre0, filled below
  const c1 = (ctx.l1Coefficient ?? cfg.l1_coefficient) / B;
  const c0 = (ctx.l0Coefficient ?? cfg.l0_coefficient) / B;
  /** W_dec[i] += s[i] W_dec[i] / ||W_dec[i]||: a term's gradient through the decoder norms. */
  const normGrad = (s: ArrayLike<number>): void => {
    for (let i = 0; i < d_sae; i++) for (let j = 0; j < d_in; j++) gW_dec[i * d_in + j] += (s[i] * W_dec[i * d_in + j]) / norms[i];
  };
  const dead = ctx.deadMask;
  const numDead = dead ? Array.from(dead).filter((v) => v).length : 0;

  if (arch === "standard") {
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
  } else if (arch === "gated") {
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
  } else if (arch === "jumprelu") {
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
  } else {
    for (const w of arch === "matryoshka_batchtopk" ? (cfg.matryoshka_widths ?? []).slice(0, -1) : []) {
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

  if (arch !== "gated") grads.b_enc = colSum(gPre, B, d_sae);
  grads.W_enc = mmTA(saeIn, gPre, B, d_in, d_sae);
  if (cfg.apply_b_dec_to_input) addInto(gb_dec, colSum(mm(gPre, W_enc, B, d_sae, d_in, true), B, d_in), -1);
  grads.W_dec = gW_dec;
  grads.b_dec = gb_dec;
  const loss = Object.values(losses).reduce((s, v) => s + v, 0);
  return { hiddenPre: pre, featureActs: f, saeOut: out, losses, loss, grads, topkThreshold };
}
