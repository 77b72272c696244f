// SAE training kernels owned by @sae/core: fused elementwise/column passes the SAE architectures need beyond the
// shared op list (activation functions, their backward with per-latent column sums, decoder-norm rows, scatter of
// top-k values, axpby and loss dot products). CPU references with the same names: cpu/sae_train.ts.
import { params, type Device } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import axpbySrc from "./sae_axpby.wgsl" with { type: "text" };
import dotSrc from "./sae_dot.wgsl" with { type: "text" };
import actSrc from "./sae_act.wgsl" with { type: "text" };
import actBackwardSrc from "./sae_act_backward.wgsl" with { type: "text" };
import scatterSrc from "./sae_scatter.wgsl" with { type: "text" };
import rownormSrc from "./sae_rownorm.wgsl" with { type: "text" };
import rowscaleSrc from "./sae_rowscale.wgsl" with { type: "text" };
import { byElements, byRows, overBinding, ranges, rowsPerBlock } from "./blocks.ts";

const K = {
  axpby: { name: "sae_axpby", source: axpbySrc },
  dot: { name: "sae_dot", source: dotSrc },
  act: { name: "sae_act", source: actSrc },
  actBackward: { name: "sae_act_backward", source: actBackwardSrc },
  scatter: { name: "sae_scatter", source: scatterSrc },
  rownorm: { name: "sae_rownorm", source: rownormSrc },
  rowscale: { name: "sae_rowscale", source: rowscaleSrc },
};

const dummies = new WeakMap<Device, GPUBuffer[]>();

/**
 * A distinct 16-byte buffer per slot, bound where a variant reads nothing. Binding one buffer to several
 * read-only slots of a dispatch crashes Dawn on lavapipe here (segfault), so unused slots never alias.
 */
function dummy(device: Device, slot: number): GPUBuffer {
  let list = dummies.get(device);
  if (!list) dummies.set(device, (list = []));
  while (list.length <= slot) list.push(device.pool.acquire(16, `sae dummy ${list.length}`));
  return list[slot];
}

function lastDim(t: Tensor): number {
  return t.shape[t.shape.length - 1] ?? 1;
}

function f32(op: string, ts: Record<string, Tensor | undefined>): Device {
  const given = Object.entries(ts).filter((e): e is [string, Tensor] => e[1] !== undefined);
  for (const [name, t] of given) checkDType(op, name, t, "f32");
  return deviceOf(op, ...given.map((e) => e[1]));
}

function sameSize(op: string, a: Tensor, name: string, b: Tensor): void {
  if (a.size !== b.size) throw new ShapeError(`${op}: ${name} ${fmt(b.shape)} does not match ${fmt(a.shape)}`);
}

function perCol(op: string, a: Tensor, name: string, v: Tensor): void {
  if (v.size !== lastDim(a)) throw new ShapeError(`${op}: ${name} ${fmt(v.shape)} must have ${lastDim(a)} values (last dim of ${fmt(a.shape)})`);
}

/**
 * out = alpha * a + beta * b + gamma * v (v [C] broadcast over the rows of a, b [..., C]). b and v may be null
 * when their coefficient is 0.
 */
export function saeAxpby(a: Tensor, b: Tensor | null, v: Tensor | null, alpha: number, beta: number, gamma: number, opts: { out?: Tensor } = {}): Tensor<"f32"> {
  const useB = beta !== 0 && b !== null;
  const useV = gamma !== 0 && v !== null;
  if ((beta !== 0 && !b) || (gamma !== 0 && !v)) throw new ShapeError(`saeAxpby: a nonzero coefficient needs its tensor (a ${fmt(a.shape)})`);
  const device = f32("saeAxpby", { a, b: useB ? (b as Tensor) : undefined, v: useV ? (v as Tensor) : undefined });
  if (useB) sameSize("saeAxpby", a, "b", b as Tensor);
  if (useV) perCol("saeAxpby", a, "v", v as Tensor);
  const out = output("saeAxpby", device, a.shape, "f32", opts.out);
  const [b0, v0] = [useB ? (b as Tensor) : a, useV ? (v as Tensor) : a]; // a stands in for what is not read
  const split = (o: Tensor, [ab, bb, vb]: Tensor[]) => void saeAxpby(ab, useB ? bb : null, useV ? vb : null, alpha, beta, gamma, { out: o });
  if (byElements("saeAxpby", out, [a, b0, v0], split)) return out;
  const n = a.size;
  device.run(K.axpby, {
    buffers: [a.binding, useB ? (b as Tensor).binding : dummy(device, 0), useV ? (v as Tensor).binding : dummy(device, 1), out.binding],
    params: params(n, lastDim(a), { f32: alpha }, { f32: beta }, { f32: gamma }),
    workgroups: device.grid(Math.ceil(n / 256)),
  });
  return out;
}

export type SaeDotMode = "dot" | "sum" | "count";
const DOT_MODE = { dot: 0, sum: 1, count: 2 } as const satisfies Record<SaeDotMode, number>;

/** [1] = scale * sum(a * b) ("dot"), scale * sum(a) ("sum") or scale * count(a > 0) ("count"). */
export function saeDot(a: Tensor, b: Tensor, scale: number, mode: SaeDotMode = "dot", opts: { out?: Tensor } = {}): Tensor<"f32"> {
  const device = f32("saeDot", { a, b });
  if (mode === "dot") sameSize("saeDot", a, "b", b);
  const out = output("saeDot", device, [1], "f32", opts.out);
  if (overBinding(device, a, b)) return dotBlocks(a, b, scale, mode, out);
  device.run(K.dot, {
    buffers: [a.binding, mode === "dot" ? b.binding : dummy(device, 0), out.binding],
    params: params(a.size, { f32: scale }),
    workgroups: [1],
    overrides: { MODE: DOT_MODE[mode] },
  });
  return out;
}

/** saeDot over a (and b) larger than one binding: one partial per element block, summed into out. */
function dotBlocks(a: Tensor, b: Tensor, scale: number, mode: SaeDotMode, out: Tensor): Tensor<"f32"> {
  const [fa, fb] = [a.reshape([a.size]), b.reshape([b.size])];
  const parts: Tensor[] = [];
  for (const [e0, e1] of ranges(a.size, rowsPerBlock(a.device, "saeDot", a.size, [4]))) {
    parts.push(saeDot(fa.rows(e0, e1), (mode === "dot" ? fb : fa).rows(e0, e1), scale, mode));
  }
  let acc = parts[0]; // (an op may not write a buffer it reads)
  for (const p of parts.slice(1)) {
    const next = saeAxpby(acc, p, null, 1, 1, 0);
    acc.dispose();
    acc = next;
  }
  saeAxpby(acc, null, null, 1, 0, 0, { out });
  for (const t of [acc, ...parts]) t.dispose();
  return out as Tensor<"f32">;
}

export type SaeActivation = "relu" | "jumprelu" | "threshold" | "gatedMag" | "reluBias" | "gatedF";
const ACT = { relu: 0, jumprelu: 1, threshold: 2, gatedMag: 3, reluBias: 4, gatedF: 5 } as const satisfies Record<SaeActivation, number>;

/**
 * SAE activation pieces over a [batch, d_sae] (see sae_act.wgsl for each kind): b [batch, d_sae] is read by
 * "gatedF" only; v1, v2 [d_sae] are per-latent (log_threshold, threshold, b_mag / r_mag, b_gate).
 */
export function saeActivation(kind: SaeActivation, a: Tensor, opts: { b?: Tensor; v1?: Tensor; v2?: Tensor; out?: Tensor } = {}): Tensor<"f32"> {
  const { b, v1, v2 } = opts;
  const device = f32("saeActivation", { a, ...opts });
  const needB = kind === "gatedF";
  const needV1 = kind !== "relu" && kind !== "gatedF";
  const needV2 = kind === "gatedMag";
  for (const [name, t, need] of [["b", b, needB], ["v1", v1, needV1], ["v2", v2, needV2]] as const) {
    if (need && !t) throw new ShapeError(`saeActivation(${kind}): missing ${name} for a ${fmt(a.shape)}`);
  }
  if (needB) sameSize("saeActivation", a, "b", b as Tensor);
  if (needV1) perCol("saeActivation", a, "v1", v1 as Tensor);
  if (needV2) perCol("saeActivation", a, "v2", v2 as Tensor);
  const out = output("saeActivation", device, a.shape, "f32", opts.out);
  const given = [a, needB ? b : a, needV1 ? v1 : a, needV2 ? v2 : a] as Tensor[];
  const split = (o: Tensor, [ab, bb, v1b, v2b]: Tensor[]) => void saeActivation(kind, ab, { b: needB ? bb : undefined, v1: v1b, v2: v2b, out: o });
  if (byElements("saeActivation", out, given, split)) return out;
  device.run(K.act, {
    buffers: [a.binding, needB ? (b as Tensor).binding : dummy(device, 0), needV1 ? (v1 as Tensor).binding : dummy(device, 1), needV2 ? (v2 as Tensor).binding : dummy(device, 2), out.binding],
    params: params(a.size, lastDim(a)),
    workgroups: device.grid(Math.ceil(a.size / 256)),
    overrides: { ARCH: ACT[kind] },
  });
  return out;
}

export type SaeActBackward = "mask" | "maskAdd" | "jumpThreshold" | "gatedH" | "gatedR";
const ACT_BACK = { mask: 0, maskAdd: 1, jumpThreshold: 2, gatedH: 3, gatedR: 4 } as const satisfies Record<SaeActBackward, number>;

/**
 * Elementwise pieces of the activations' backward (see sae_act_backward.wgsl): a, b, c [batch, d_sae],
 * v [d_sae]; c0 and bandwidth for "jumpThreshold". Column sums are left to the caller (e.g. ones @ out).
 */
export function saeActBackward(
  kind: SaeActBackward,
  a: Tensor,
  b: Tensor,
  opts: { c?: Tensor; v?: Tensor; c0?: number; bandwidth?: number; out?: Tensor } = {},
): Tensor<"f32"> {
  const { c, v } = opts;
  const device = f32("saeActBackward", { a, b, c, v });
  sameSize("saeActBackward", a, "b", b);
  const needC = kind === "maskAdd";
  const needV = kind === "jumpThreshold" || kind === "gatedH" || kind === "gatedR";
  if (needC && !c) throw new ShapeError(`saeActBackward(${kind}): missing c for a ${fmt(a.shape)}`);
  if (needV && !v) throw new ShapeError(`saeActBackward(${kind}): missing v for a ${fmt(a.shape)}`);
  if (needC) sameSize("saeActBackward", a, "c", c as Tensor);
  if (needV) perCol("saeActBackward", a, "v", v as Tensor);
  const out = output("saeActBackward", device, a.shape, "f32", opts.out);
  const given = [a, b, needC ? (c as Tensor) : a, needV ? (v as Tensor) : a];
  const split = (o: Tensor, [ab, bb, cb, vb]: Tensor[]) => void saeActBackward(kind, ab, bb, { ...opts, c: needC ? cb : undefined, v: needV ? vb : undefined, out: o });
  if (byElements("saeActBackward", out, given, split)) return out;
  device.run(K.actBackward, {
    buffers: [a.binding, b.binding, needC ? (c as Tensor).binding : dummy(device, 0), needV ? (v as Tensor).binding : dummy(device, 1), out.binding],
    params: params(a.size, lastDim(a), { f32: opts.c0 ?? 0 }, { f32: opts.bandwidth ?? 1 }),
    workgroups: device.grid(Math.ceil(a.size / 256)),
    overrides: { MODE: ACT_BACK[kind] },
  });
  return out;
}

/** Writes values [batch, k] at indices [batch, k] (i32) into `dense` [batch, cols] (zero it first). */
export function saeScatter(values: Tensor, indices: Tensor, dense: Tensor, relu = true): Tensor {
  const device = deviceOf("saeScatter", values, indices, dense);
  checkDType("saeScatter", "values", values, "f32");
  checkDType("saeScatter", "indices", indices, "i32");
  checkDType("saeScatter", "dense", dense, "f32");
  sameSize("saeScatter", values, "indices", indices);
  const k = lastDim(values);
  const rows = values.size / Math.max(k, 1);
  if (dense.size !== rows * lastDim(dense)) throw new ShapeError(`saeScatter: dense ${fmt(dense.shape)} must have ${rows} rows like values ${fmt(values.shape)}`);
  const split = (d: Tensor, [vb, ib]: Tensor[]) => void saeScatter(vb, ib, d, relu);
  if (byRows("saeScatter", dense, [values, indices], split, [true, true])) return dense;
  device.run(K.scatter, {
    buffers: [values.binding, indices.binding, dense.binding],
    params: params(values.size, k, lastDim(dense)),
    workgroups: device.grid(Math.ceil(values.size / 256)),
    overrides: { RELU: relu ? 1 : 0 },
  });
  return dense;
}

/** Row L2 norms of w [R, C] -> [R]. */
export function saeRowNorm(w: Tensor, opts: { out?: Tensor } = {}): Tensor<"f32"> {
  const device = f32("saeRowNorm", { w });
  const cols = lastDim(w);
  const rows = w.size / Math.max(cols, 1);
  const out = output("saeRowNorm", device, [rows], "f32", opts.out);
  if (byRows("saeRowNorm", out, [w.reshape([rows, cols])], (o, [wb]) => void saeRowNorm(wb, { out: o }), [true])) return out;
  device.run(K.rownorm, { buffers: [w.binding, out.binding], params: params(rows, cols), workgroups: [Math.ceil(rows / 64)] });
  return out;
}

export type SaeRowScale = "penaltyGrad" | "divide" | "multiply";
const ROWSCALE = { penaltyGrad: 0, divide: 1, multiply: 2 } as const satisfies Record<SaeRowScale, number>;

/**
 * Row-wise rescaling with per-row n [R]: "penaltyGrad": dst += coef * s / n * w (the decoder-norm penalty's
 * W_dec gradient); "divide": dst /= n (unit-norm rows); "multiply": dst *= n. dst, w [R, C].
 */
export function saeRowScale(mode: SaeRowScale, dst: Tensor, n: Tensor, w: Tensor = n, s: Tensor = n, coef = 1): Tensor {
  const device = f32("saeRowScale", { dst, n, w, s });
  const cols = lastDim(dst);
  const rows = dst.size / Math.max(cols, 1);
  if (n.size !== rows) throw new ShapeError(`saeRowScale: n ${fmt(n.shape)} must have ${rows} values (rows of ${fmt(dst.shape)})`);
  if (mode === "penaltyGrad") {
    sameSize("saeRowScale", dst, "w", w);
    if (s.size !== rows) throw new ShapeError(`saeRowScale: s ${fmt(s.shape)} must have ${rows} values`);
  }
  const d2 = dst.reshape([rows, cols]);
  const [w2, s2] = mode === "penaltyGrad" ? [w.reshape([rows, cols]), s] : [n, n];
  const split = (db: Tensor, [nb, wb, sb]: Tensor[]) => void saeRowScale(mode, db, nb, wb, sb, coef);
  if (byRows("saeRowScale", d2, [n, w2, s2], split, [true, true, true])) return dst;
  device.run(K.rowscale, {
    buffers: mode === "penaltyGrad" ? [w.binding, s.binding, n.binding, dst.binding] : [dummy(device, 0), dummy(device, 1), n.binding, dst.binding],
    params: params(dst.size, cols, { f32: coef }),
    workgroups: device.grid(Math.ceil(dst.size / 256)),
    overrides: { MODE: ROWSCALE[mode] },
  });
  return dst;
}
