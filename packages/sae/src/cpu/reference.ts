// CPU reference of every architecture's training forward and hand-written backward, in float64 plain loops.
// It is the readable statement of the formulas the GPU code implements, checked against PyTorch autograd goldens
// (fixtures/golden_*.safetensors). Not for production: O(batch * d_in * d_sae) scalar loops.
import type { SaeConfig } from "../config.ts";

export type HostParams = Record<string, Float64Array>;

export interface CpuTrainContext {
  /** [d_sae] 1 where a latent counts as dead (topk / batchtopk aux-k loss). */
  deadMask?: ArrayLike<number>;
  /** batchtopk: the running threshold before this step. */
  topkThreshold?: number;
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
  const W_enc = p.W_enc;
  const W_dec = p.W_dec;
  const b_dec = p.b_dec;
  const saeIn = new Float64Array(B * d_in); // [batch, d_in]
  for (let i = 0; i < saeIn.length; i++) saeIn[i] = x[i] - (cfg.apply_b_dec_to_input ? b_dec[i % d_in] : 0);
  const h = mm(saeIn, W_enc, B, d_in, d_sae); // [batch, d_sae]
  const norms = rowNorms(W_dec, d_sae, d_in); // [d_sae]
  const f = new Float64Array(B * d_sae);
  const gPreMask = new Float64Array(B * d_sae); // d f / d pre on the active path
  let pre = h;
  const losses: Record<string, number> = {};
  const arch = cfg.architecture;
  let gateAct: Float64Array | null = null;
  let piMag: Float64Array | null = null;
  let topkThreshold: number | undefined;

  if (arch === "gated") {
    const e = p.r_mag.map(Math.exp);
    piMag = h.map((v, i) => v * e[i % d_sae] + p.b_mag[i % d_sae]);
    const piGate = h.map((v, i) => v + p.b_gate[i % d_sae]);
    gateAct = piGate.map((v) => Math.max(v, 0));
    for (let i = 0; i < f.length; i++) {
      const on = piGate[i] > 0 && piMag[i] > 0;
      f[i] = on ? piMag[i] : 0;
      gPreMask[i] = on ? 1 : 0;
    }
    pre = piMag;
  } else {
    pre = h.map((v, i) => v + p.b_enc[i % d_sae]);
    if (arch === "standard") {
      for (let i = 0; i < f.length; i++) [f[i], gPreMask[i]] = pre[i] > 0 ? [pre[i], 1] : [0, 0];
    } else if (arch === "jumprelu") {
      const thr = p.log_threshold.map(Math.exp);
      for (let i = 0; i < f.length; i++) [f[i], gPreMask[i]] = pre[i] > thr[i % d_sae] ? [pre[i], 1] : [0, 0];
    } else if (arch === "topk") {
      for (let b = 0; b < B; b++) {
        const row = pre.subarray(b * d_sae, (b + 1) * d_sae);
        for (const j of topIndices(row, cfg.k as number)) if (row[j] > 0) [f[b * d_sae + j], gPreMask[b * d_sae + j]] = [row[j], 1];
      }
    } else {
      const acts = pre.map((v) => Math.max(v, 0));
      for (const i of topIndices(acts, Math.floor((cfg.k as number) * B))) if (acts[i] > 0) [f[i], gPreMask[i]] = [acts[i], 1];
      let minPos = Infinity;
      for (const v of f) if (v > 0 && v < minPos) minPos = v;
      const t0 = ctx.topkThreshold ?? 0;
      topkThreshold = minPos === Infinity ? t0 : (1 - cfg.topk_threshold_lr) * t0 + cfg.topk_threshold_lr * minPos;
    }
  }

  const out = mm(f, W_dec, B, d_sae, d_in);
  for (let i = 0; i < out.length; i++) out[i] += b_dec[i % d_in];
  const gOut = new Float64Array(B * d_in); // [batch, d_in]
  let mse = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - x[i];
    mse += d * d;
    gOut[i] = (2 * d) / B;
  }
  losses.mse_loss = mse / B;

  const grads: HostParams = {};
  const gW_dec = mmTA(f, gOut, B, d_sae, d_in);
  const gb_dec = colSum(gOut, B, d_in);
  const gF = mm(gOut, W_dec, B, d_in, d_sae, true); // [batch, d_sae]
  const gPre = gF.map((v, i) => v * gPreMask[i]);
  const c1 = cfg.l1_coefficient / B;

  const normPenaltyGrad = (acts: Float64Array): void => {
    const s = colSum(acts, B, d_sae);
    for (let i = 0; i < d_sae; i++) for (let j = 0; j < d_in; j++) gW_dec[i * d_in + j] += (c1 * s[i] * W_dec[i * d_in + j]) / norms[i];
  };

  if (arch === "standard") {
    losses.l1_loss = c1 * f.reduce((s, v, i) => s + v * norms[i % d_sae], 0);
    for (let i = 0; i < gPre.length; i++) gPre[i] += gPreMask[i] * c1 * norms[i % d_sae];
    normPenaltyGrad(f);
  } else if (arch === "gated") {
    const ga = gateAct as Float64Array;
    losses.l1_loss = c1 * ga.reduce((s, v, i) => s + v * norms[i % d_sae], 0);
    normPenaltyGrad(ga);
    const via = mm(ga, W_dec, B, d_sae, d_in);
    let aux = 0;
    const gVia = new Float64Array(B * d_in);
    for (let i = 0; i < via.length; i++) {
      const d = via[i] + b_dec[i % d_in] - x[i];
      aux += d * d;
      gVia[i] = (2 * d) / B;
    }
    losses.auxiliary_reconstruction_loss = aux / B;
    const gGate = mm(gVia, W_dec, B, d_in, d_sae, true);
    for (let i = 0; i < gGate.length; i++) gGate[i] = ga[i] > 0 ? gGate[i] + c1 * norms[i % d_sae] : 0;
    const e = p.r_mag.map(Math.exp);
    const gMag = gPre;
    grads.b_gate = colSum(gGate, B, d_sae);
    grads.b_mag = colSum(gMag, B, d_sae);
    grads.r_mag = colSum(gMag.map((v, i) => v * h[i]), B, d_sae).map((v, i) => v * e[i]);
    const gH = gGate.map((v, i) => v + gMag[i] * e[i % d_sae]);
    gPre.set(gH);
  } else if (arch === "jumprelu") {
    const bw = cfg.jumprelu_bandwidth;
    const thr = p.log_threshold.map(Math.exp);
    const c0 = cfg.l0_coefficient / B;
    losses.l0_loss = c0 * gPreMask.reduce((s, v) => s + v, 0);
    const gThr = new Float64Array(d_sae);
    for (let i = 0; i < gPre.length; i++) {
      const j = i % d_sae;
      const u = (pre[i] - thr[j]) / bw;
      if (u > -0.5 && u < 0.5) gThr[j] += -(thr[j] / bw) * gF[i] - c0 / bw;
    }
    grads.log_threshold = gThr.map((v, j) => v * thr[j]);
  } else {
    const dead = ctx.deadMask;
    const numDead = dead ? Array.from(dead).filter((v) => v).length : 0;
    losses.auxiliary_reconstruction_loss = 0;
    if (dead && numDead > 0) {
      const kAux0 = cfg.k_aux ?? Math.floor(d_in / 2);
      const scale = Math.min(numDead / kAux0, 1);
      const kAux = Math.min(kAux0, numDead);
      const coef = cfg.aux_loss_coefficient * scale;
      let aux = 0;
      for (let b = 0; b < B; b++) {
        const masked = Array.from({ length: d_sae }, (_, j) => (dead[j] ? pre[b * d_sae + j] : -Infinity));
        const idx = topIndices(masked, kAux);
        const e = new Float64Array(d_in);
        for (let c = 0; c < d_in; c++) e[c] = -(x[b * d_in + c] - out[b * d_in + c]);
        for (const j of idx) for (let c = 0; c < d_in; c++) e[c] += masked[j] * W_dec[j * d_in + c];
        for (let c = 0; c < d_in; c++) aux += e[c] * e[c];
        for (const j of idx) {
          let dot = 0;
          for (let c = 0; c < d_in; c++) {
            const g = (2 * coef * e[c]) / B;
            dot += g * W_dec[j * d_in + c];
            gW_dec[j * d_in + c] += g * masked[j];
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
