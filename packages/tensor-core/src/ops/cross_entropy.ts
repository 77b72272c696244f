// crossEntropyRows: per-row cross-entropy of logits [..., V] against i32 targets [...]: lse(row) - row[target]
// (torch's F.cross_entropy with reduction 'none'), on the device in one reduction per row (logsumexp.wgsl, MODE 2);
// only the [...] losses need come back. A target outside [0, V) gives NaN for its row (targets stay on the device,
// so they are not checked on the host). CPU reference: cpu/cross_entropy.ts.
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { LSE_MODE, logitShape, lseRows } from "./logsumexp.ts";

/** logits [..., V] f32, targets [...] i32 -> [...] f32 losses in nats. */
export function crossEntropyRows(logits: Tensor, targets: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const dev = deviceOf("crossEntropyRows", logits, targets);
  const { lead } = logitShape("crossEntropyRows", logits);
  checkDType("crossEntropyRows", "targets", targets, "i32");
  if (targets.shape.length !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    const [t, x] = [fmt(targets.shape), fmt(logits.shape)];
    throw new ShapeError(`crossEntropyRows: targets ${t} must be ${fmt(lead)} for logits ${x}`);
  }
  const out = output("crossEntropyRows", dev, lead, "f32", opts.out);
  checkNoAlias("crossEntropyRows", out, { logits, targets });
  lseRows("crossEntropyRows", dev, LSE_MODE.crossEntropy, logits, targets, out);
  return out;
}
