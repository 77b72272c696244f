// klRows: KL(P || Q) per row between two logits tensors [..., V] (P = softmax(p), Q = softmax(q); what SAELens's
// eval computes between the clean and the spliced run) on the device, in two passes: each row's (max, sum exp) pair
// for p and q (logsumexp.wgsl, MODE 1), then sum softmax(p) (log_softmax(p) - log_softmax(q)) (kl.wgsl). Blocks of
// rows when the logits are over one binding (row_spans.ts). CPU reference: cpu/kl.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import source from "./kl.wgsl" with { type: "text" };
import { LSE_MODE, logitShape, lseRows } from "./logsumexp.ts";
import { rowBlocks, rowSpan } from "./row_spans.ts";

const kernel = { name: "kl_rows", source };

/** p, q [..., V] f32 -> [...] f32: KL(softmax(p) || softmax(q)) per row, in nats. */
export function klRows(p: Tensor, q: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const dev = deviceOf("klRows", p, q);
  const { lead, V } = logitShape("klRows", p);
  logitShape("klRows", q);
  if (q.shape.length !== p.shape.length || q.shape.some((d, i) => d !== p.shape[i])) {
    throw new ShapeError(`klRows: q ${fmt(q.shape)} must have p's shape ${fmt(p.shape)}`);
  }
  const out = output("klRows", dev, lead, "f32", opts.out);
  checkNoAlias("klRows", out, { p, q });
  const rows = p.size / V;
  const sp = Tensor.empty(dev, [rows, 2], "f32", "klRows p pairs"); // [rows, 2] (max, sum exp)
  const sq = Tensor.empty(dev, [rows, 2], "f32", "klRows q pairs");
  try {
    lseRows("klRows", dev, LSE_MODE.pair, p, undefined, sp);
    lseRows("klRows", dev, LSE_MODE.pair, q, undefined, sq);
    for (const [r0, r1] of rowBlocks("klRows", dev, rows, [[p, V], [q, V], [sp, 2], [out, 1]])) {
      const [x, y, o] = [rowSpan(p, V, r0, r1), rowSpan(q, V, r0, r1), rowSpan(out, 1, r0, r1)];
      const [a, b] = [rowSpan(sp, 2, r0, r1), rowSpan(sq, 2, r0, r1)]; // same offsets: same shape, both fresh
      dev.run(kernel, {
        buffers: [x.binding, y.binding, a.binding, b.binding, o.binding],
        params: params(r1 - r0, V, x.off, y.off, a.off, o.off),
        workgroups: dev.grid(r1 - r0),
      });
    }
  } finally {
    sp.dispose();
    sq.dispose();
  }
  return out;
}
