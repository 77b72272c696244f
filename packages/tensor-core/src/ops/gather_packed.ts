// embeddingPacked: rows of a PackedMatrix table (f32 / f16 / bf16 words in row chunks, packed.ts) by i32 ids, as f32:
// table [V, D], ids [...] -> [..., D]. One dispatch per chunk (per chunk and block of ids when ids or out is over
// one binding); ids outside [0, V) leave their row unwritten (the caller checks ids first, as the model does).
// The CPU reference is cpu/gather.ts on the unpacked values.
import { params } from "../device.ts";
import { FORMAT_CODE, rowWords, type PackedMatrix } from "../packed.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { launch } from "./alias.ts";
import { byRows } from "./blocks.ts";
import type { OutOption } from "./unary.ts";
import source from "./gather_packed.wgsl" with { type: "text" };

const kernel = { name: "gather_packed", source };

/** table [V, D] (packed), ids i32 [...] -> [..., D] f32. */
export function embeddingPacked(table: PackedMatrix, ids: Tensor, opts: OutOption = {}): Tensor<"f32"> {
  const dev = deviceOf("embeddingPacked", ids, ...(opts.out ? [opts.out] : []));
  checkDType("embeddingPacked", "ids", ids, "i32");
  const cols = table.shape[1];
  const out = output("embeddingPacked", dev, [...ids.shape, cols], "f32", opts.out);
  const n = ids.size;
  if (n * cols === 0) return out;
  // ids or out over one binding: blocks of ids (out's rows with them), each through every chunk; whole when they fit
  const run = (o: Tensor, [idv]: Tensor[]) => {
    for (const ch of table.chunks) {
      dev.run(kernel, {
        buffers: [ch.words.binding, idv.binding, o.binding],
        params: params(idv.size, cols, ch.row0, ch.rows, rowWords(table.format, cols)),
        workgroups: launch(dev, idv.size * cols),
        overrides: { FORMAT: FORMAT_CODE[table.format] },
      });
    }
  };
  const [out2, ids1] = [out.reshape([n, cols]), ids.reshape([n])];
  if (!byRows("embeddingPacked", out2, [ids1], run, [true])) run(out2, [ids1]);
  return out;
}
