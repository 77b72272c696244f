// Any leading shape for SAE-like modules: [..., width] as a [rows, width] view in, and the leading shape back out.
import { copy, ShapeError, Tensor, type Shape } from "@sae/tensor-core";

/** [..., width] as a [rows, width] view (the tensor itself when already 2-D); `who` names the module in errors. */
export function asRows(t: Tensor, width: number, who: string, what: string): Tensor {
  if (t.shape.length < 1 || t.shape[t.shape.length - 1] !== width) {
    throw new ShapeError(`${who}: ${what} [${t.shape.join(", ")}] must be [..., ${width}]`);
  }
  return t.shape.length === 2 ? t : t.reshape([t.size / width, width]);
}

/** t [rows, w] with the leading shape of `like` [..., w'] back: t itself when `like` is 2-D, else an owning copy. */
export function withLead(t: Tensor, like: Shape): Tensor {
  if (like.length === 2) return t;
  const out = Tensor.empty(t.device, [...like.slice(0, -1), t.shape[t.shape.length - 1]], "f32", t.label);
  copy(t, out.reshape(t.shape));
  t.dispose();
  return out;
}
