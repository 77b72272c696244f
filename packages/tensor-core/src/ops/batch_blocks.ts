// Ops that work batch item by batch item (attention, rotary) on tensors larger than one binding: blocks of whole
// batch items. A block's views are bound in place when they start at aligned offsets; otherwise its inputs are copied
// into scratch (copyWindow: any offset), the op runs on those, and its outputs are copied back. One batch item
// must fit one binding (LimitError otherwise). Ops call this only when something is over; nothing else changes.
import { LimitError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { copyWindow, overBinding, ranges } from "./blocks.ts";

/**
 * Runs `run` on blocks of the leading (batch) dimension when any tensor is over one binding: `outs` and the inputs
 * marked in `cut` (default: all) are cut, the rest are bound whole. False (nothing run) when everything fits.
 */
export function byBatch(
  op: string,
  outs: Tensor[],
  inputs: Tensor[],
  run: (outs: Tensor[], inputs: Tensor[]) => void,
  cut: boolean[] = inputs.map(() => true),
): boolean {
  const device = outs[0].device;
  if (!overBinding(device, ...outs, ...inputs)) return false;
  const batch = outs[0].shape[0];
  const split = [...outs, ...inputs.filter((_, i) => cut[i])];
  for (const t of inputs.filter((_, i) => !cut[i])) {
    if (t.byteLength > device.maxBinding) throw new LimitError(`${op}: ${t.label} ${fmt(t.shape)} is over one binding`);
  }
  const align = device.limits.minStorageBufferOffsetAlignment;
  const itemBytes = Math.max(...split.map((t) => t.byteLength / batch));
  // copyWindow binds a row and up to two alignments more
  const per = Math.floor((device.maxBinding - 2 * align) / itemBytes);
  if (per < 1) throw new LimitError(`${op}: one batch item of ${itemBytes} bytes does not fit one binding of ${device.maxBinding} bytes`);
  for (const [b0, b1] of ranges(batch, per)) {
    const aligned = split.every((t) => (t.byteOffset + (b0 * t.byteLength) / batch) % align === 0);
    if (aligned) {
      run(outs.map((t) => t.rows(b0, b1)), inputs.map((t, i) => (cut[i] ? t.rows(b0, b1) : t)));
      continue;
    }
    const item = (t: Tensor) => t.size / batch; // elements per batch item: tensors as [batch, item] matrices
    const window = { r0: b0, c0: 0 };
    const copyIn = (t: Tensor) => {
      const c = Tensor.empty(device, [b1 - b0, ...t.shape.slice(1)], t.dtype, `${op} block`);
      copyWindow(t.reshape([batch, item(t)]), { ...window, stride: item(t) }, c, { r0: 0, c0: 0, stride: item(t) }, b1 - b0, item(t));
      return c;
    };
    const ins = inputs.map((t, i) => (cut[i] ? copyIn(t) : t));
    const os = outs.map((t) => Tensor.empty(device, [b1 - b0, ...t.shape.slice(1)], t.dtype, `${op} block`));
    run(os, ins);
    os.forEach((o, j) => {
      const t = outs[j];
      const n = item(t);
      copyWindow(o, { r0: 0, c0: 0, stride: n }, t, { ...window, stride: n }, b1 - b0, n);
    });
    for (const t of [...os, ...ins.filter((_, i) => cut[i])]) t.dispose();
  }
  return true;
}
