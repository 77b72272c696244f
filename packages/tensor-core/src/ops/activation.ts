// activate: the elementwise maps model families need beside GPT-2's tanh gelu (unary.ts): silu (SwiGLU MLPs),
// exact erf gelu (GPT-NeoX / Pythia) and soft-capping cap * tanh(x / cap) (Gemma 2's final logits). Cannot run in
// place. Over one binding: blocks of elements. CPU reference: cpu/activation.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { ranges, rowsPerBlock } from "./blocks.ts";
import source from "./activation.wgsl" with { type: "text" };

const kernel = { name: "activation", source };

export const ACTIVATION_KINDS = { silu: 0, gelu_erf: 1, softcap: 2 } as const satisfies Record<string, number>;
export type ActivationKind = keyof typeof ACTIVATION_KINDS;

/** x [...] -> [...]; `cap` (> 0) is needed by softcap only. */
export function activate(x: Tensor, kind: ActivationKind, opts: { cap?: number; out?: Tensor } = {}): Tensor {
  const op = `activate(${kind})`;
  const dev = deviceOf(op, x);
  checkDType(op, "x", x, "f32");
  const cap = opts.cap ?? 0;
  if (kind === "softcap" && !(cap > 0)) throw new ShapeError(`${op}: cap must be positive, got ${opts.cap}`);
  const out = output(op, dev, x.shape, "f32", opts.out);
  checkNoAlias(op, out, { x });
  // over one binding: blocks of elements (multiples of 64: aligned views); one dispatch when it fits
  const n = out.size;
  const per = rowsPerBlock(dev, op, n, [4]);
  const part = (t: Tensor, e0: number, e1: number) => (per === n ? t : t.reshape([n]).rows(e0, e1)).binding;
  for (const [e0, e1] of ranges(n, per)) {
    dev.run(kernel, {
      buffers: [part(x, e0, e1), part(out, e0, e1)],
      params: params(e1 - e0, { f32: cap }),
      workgroups: dev.grid(Math.ceil((e1 - e0) / 64)),
      overrides: { KIND: ACTIVATION_KINDS[kind] },
    });
  }
  return out;
}
