// fusedActCols: an SAE activation's elementwise pass over [batch, d_sae] fused with its per-latent column sums,
// for the dense training paths (standard ReLU, JumpReLU): see fused_act_cols.wgsl for the three modes.
//   "reluSum"  (a = pre)                         -> out = f = ReLU(pre), colA = sum_b f
//   "reluGrad" (a = dL/df, b = f, v = norms, c0) -> out = dL/dpre with the L1 term c0 * norms added, colA = b_enc grad
//   "jumpGrad" (a = dL/df, b = pre, v = log_threshold, c0 = l0 coef / batch, bandwidth)
//                                                -> out = dL/dpre, colA = b_enc grad, colB = log_threshold grad
// Over one binding: blocks of rows (a multiple of 64), each continuing the column sums (the same order: the same
// bits); v and the column sums are bound whole. CPU reference: cpu/fused_act_cols.ts.
import { params, type Device } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import source from "./fused_act_cols.wgsl" with { type: "text" };

const kernel = { name: "fused_act_cols", source };

export type FusedActCols = "reluSum" | "reluGrad" | "jumpGrad";
const MODE = { reluSum: 0, reluGrad: 1, jumpGrad: 2 } as const satisfies Record<FusedActCols, number>;

export interface FusedActColsOptions {
  b?: Tensor; // [batch, d_sae]: f (reluGrad) or pre (jumpGrad)
  v?: Tensor; // [d_sae]: decoder norms (reluGrad) or log_threshold (jumpGrad)
  c0?: number;
  bandwidth?: number;
  out?: Tensor; // [batch, d_sae]
  colA?: Tensor; // [d_sae]
  colB?: Tensor; // [d_sae], jumpGrad only
}

export interface FusedActColsResult {
  out: Tensor<"f32">;
  colA: Tensor<"f32">;
  /** jumpGrad only. */
  colB: Tensor<"f32"> | null;
}

const dummies = new WeakMap<Device, GPUBuffer[]>();

/** Distinct 16-byte buffers for slots a mode does not touch (one buffer in several slots crashes Dawn on lavapipe). */
function dummy(device: Device, slot: number): GPUBuffer {
  let list = dummies.get(device);
  if (!list) dummies.set(device, (list = []));
  while (list.length <= slot) list.push(device.pool.acquire(16, `fused_act_cols dummy ${list.length}`));
  return list[slot];
}

export function fusedActCols(mode: FusedActCols, a: Tensor, opts: FusedActColsOptions = {}): FusedActColsResult {
  const op = `fusedActCols(${mode})`;
  const needB = mode !== "reluSum";
  const needV = mode !== "reluSum";
  const given = [a, opts.b, opts.v, opts.out, opts.colA, opts.colB].filter((t): t is Tensor => t !== undefined);
  const device = deviceOf(op, ...given);
  checkDType(op, "a", a, "f32");
  if (a.shape.length !== 2) throw new ShapeError(`${op}: a must be [batch, d_sae], got ${fmt(a.shape)}`);
  const [rows, cols] = a.shape;
  if (needB) {
    if (!opts.b) throw new ShapeError(`${op}: needs b [${rows}, ${cols}]`);
    checkDType(op, "b", opts.b, "f32");
    checkShape(op, "b", opts.b.shape, a.shape);
  }
  if (needV) {
    if (!opts.v) throw new ShapeError(`${op}: needs v [${cols}]`);
    checkDType(op, "v", opts.v, "f32");
    checkShape(op, "v", opts.v.shape, [cols]);
  }
  const out = output(op, device, a.shape, "f32", opts.out);
  const colA = output(op, device, [cols], "f32", opts.colA);
  const colB = mode === "jumpGrad" ? output(op, device, [cols], "f32", opts.colB) : null;
  for (const [name, t] of [["out", out], ["colA", colA], ["colB", colB]] as const) {
    if (t && (t.storage === a.storage || t.storage === opts.b?.storage || t.storage === opts.v?.storage)) throw new ShapeError(`${op}: ${name} must not alias an input`);
  }
  if (rows * cols === 0) return { out, colA, colB };
  const split = overBinding(device, a, opts.b, out);
  const per = split ? rowsPerBlock(device, op, rows, [cols * 4]) : rows;
  for (const [r0, r1] of ranges(rows, per)) {
    const part = (t: Tensor) => (split ? t.rows(r0, r1).binding : t.binding);
    device.run(kernel, {
      buffers: [part(a), needB ? part(opts.b!) : dummy(device, 0), needV ? opts.v!.binding : dummy(device, 1), part(out), colA.binding, colB ? colB.binding : dummy(device, 2)],
      params: params(r1 - r0, cols, { f32: opts.c0 ?? 0 }, { f32: opts.bandwidth ?? 1 }, r0 > 0 ? 1 : 0, 0, 0, 0),
      workgroups: device.grid(Math.ceil(cols / 64)),
      overrides: { MODE: MODE[mode] },
    });
  }
  return { out, colA, colB };
}
