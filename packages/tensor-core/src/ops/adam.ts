// adam: one in-place Adam step (AdamW when weightDecay > 0: decoupled, param -= lr * wd * param) on param, m and v,
// matching torch.optim.Adam / AdamW's formula. lr and step are uniform params per call: one pipeline for all steps.
// An optional gradScale [1] tensor multiplies the gradient on the GPU (global-norm clipping without a readback: see
// clipScale in sum_squares.ts). The CPU reference is cpu/adam.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt, sameShape } from "../shape.ts";
import { checkDType, deviceOf, type Tensor } from "../tensor.ts";
import { dummyBuffer } from "./alias.ts";
import { byRows } from "./blocks.ts";
import source from "./adam.wgsl" with { type: "text" };

const kernel = { name: "adam", source };

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** 1 for the first step (bias correction uses beta^step). */
  step: number;
  /** [1]: the gradient is multiplied by gradScale[0] before the update (read on the GPU). */
  gradScale?: Tensor;
}

/** The per-call constants both the kernel and the CPU reference use (computed in float64). */
export function adamConstants(op: string, o: Omit<AdamOptions, "gradScale">): { lr: number; beta1: number; beta2: number; eps: number; decay: number; stepSize: number; bc2Sqrt: number } {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, step } = o;
  if (!Number.isInteger(step) || step < 1) throw new LimitError(`${op}: step = ${step} must be an integer >= 1`);
  for (const [name, b] of [["beta1", beta1], ["beta2", beta2]] as const) {
    if (!(b >= 0 && b < 1)) throw new LimitError(`${op}: ${name} = ${b} must be in [0, 1)`);
  }
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  return { lr, beta1, beta2, eps, decay: weightDecay, stepSize: lr / bc1, bc2Sqrt: Math.sqrt(bc2) };
}

export function adam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, opts: AdamOptions): void {
  const device = deviceOf("adam", param, grad, m, v);
  for (const [name, t] of [["param", param], ["grad", grad], ["m", m], ["v", v]] as const) {
    checkDType("adam", name, t, "f32");
    if (!sameShape(t.shape, param.shape)) throw new ShapeError(`adam: ${name} has shape ${fmt(t.shape)}, param has ${fmt(param.shape)}`);
  }
  const s = opts.gradScale;
  if (s) {
    deviceOf("adam", param, s);
    checkDType("adam", "gradScale", s, "f32");
    if (s.size !== 1) throw new ShapeError(`adam: gradScale has shape ${fmt(s.shape)}, expected [1]`);
  }
  const c = adamConstants("adam", opts);
  if (param.size === 0) return;
  const flat = [param, grad, m, v].map((t) => t.reshape([t.size]));
  // a parameter over one binding (W_enc [d_in, d_sae] at large d_sae): element blocks bound as ranges
  if (byRows("adam", flat[0], flat.slice(1), (pb, [gb, mb, vb]) => adam(pb, gb, mb, vb, opts))) return;
  device.run(kernel, {
    buffers: [param.binding, grad.binding, m.binding, v.binding, s ? s.binding : dummyBuffer(device)],
    params: params(param.size, { f32: c.lr }, { f32: c.beta1 }, { f32: c.beta2 }, { f32: c.eps }, { f32: c.decay }, { f32: c.stepSize }, { f32: c.bc2Sqrt }, { f32: 1 - c.beta1 }, { f32: 1 - c.beta2 }),
    workgroups: device.grid(Math.ceil(param.size / 256)),
    overrides: { SCALED: s ? 1 : 0 },
  });
}
