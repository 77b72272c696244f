// latentLists and latentSums over one binding: the indices (and so the lists' entries) or the latents' counts and
// offsets larger than one binding. The same counting sort in windows (latent_lists_split.wgsl): blocks of pairs, of
// entry positions and of latents at aligned offsets, so that every binding fits; the lists come out as
// latentLists makes them (the same offsets and entries), and latentSums adds in the same order (the same bits).
// Only latent_lists.ts calls these, and only when something is over one binding. Not the sparse kernels' blocks:
// see sparse_decode.ts.
import { params, type Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { BLOCK_STEP, ranges, rowsPerBlock } from "./blocks.ts";
import { fill } from "./fill.ts";
import source from "./latent_lists_split.wgsl" with { type: "text" };
import sumsSource from "./latent_sums_split.wgsl" with { type: "text" };

const stage = (src: string, name: string, entryPoint: string) => ({ name: `${name}_${entryPoint}`, source: `${src}\n// entry point: ${entryPoint}\n`, entryPoint });
const kernels = {
  count: stage(source, "latent_lists_split", "count"),
  scan: stage(source, "latent_lists_split", "scan"),
  fill: stage(source, "latent_lists_split", "fill"),
  place: stage(source, "latent_lists_split", "place"),
  rank: stage(source, "latent_lists_split", "rank"),
  scatter: stage(source, "latent_lists_split", "scatter"),
  gather: stage(sumsSource, "latent_sums_split", "gather"),
  sum: stage(sumsSource, "latent_sums_split", "sum"),
};

/** Whether latentLists over n pairs and d_sae latents needs windows: the pairs or the d_sae + 1 offsets are over. */
export function listsOverBinding(device: Device, n: number, dSae: number): boolean {
  return Math.max(n, dSae + 1) * 4 > device.maxBinding;
}

/** Latents per window (a multiple of 64) whose offsets view, one longer, fits one binding; all when they fit. */
function latentBlock(device: Device, op: string, dSae: number): number {
  if ((dSae + 1) * 4 <= device.maxBinding) return dSae;
  const block = Math.floor((device.maxBinding / 4 - 1) / BLOCK_STEP) * BLOCK_STEP;
  if (block < BLOCK_STEP) throw new LimitError(`${op}: ${BLOCK_STEP + 1} offsets do not fit one binding of ${device.maxBinding} bytes`);
  return block;
}

/** Windows of a 1-D tensor (or the whole tensor when one covers it). */
const part = (t: Tensor, r0: number, r1: number) => (r1 - r0 === t.shape[0] ? t : t.rows(r0, r1)).binding;

/** latentLists's result, built in windows. indices [batch, k] i32; offsets [d_sae + 1] and entries [batch * k]. */
export function latentListsSplit(indices: Tensor, dSae: number, offsets: Tensor, entries: Tensor): void {
  const device = indices.device;
  const op = "latentLists";
  const n = indices.size;
  if (n === 0) return void fill(offsets, 0);
  const flat = indices.reshape([n]);
  const counts = fill(Tensor.empty(device, [dSae], "u32", "latent counts"), 0);
  const pos = Tensor.empty(device, [n], "u32", "latent list positions");
  const unsorted = Tensor.empty(device, [n], "u32", "latent entries (unsorted)");
  const pairs = ranges(n, rowsPerBlock(device, op, n, [4])); // pair and entry windows alike
  const latents = ranges(dSae, latentBlock(device, op, dSae));
  const run = (k: keyof typeof kernels, q: [number, number], l: [number, number], e: [number, number], first: boolean) => {
    const [q0, q1] = q;
    const [l0, l1] = l;
    const [e0, e1] = e;
    device.run(kernels[k], {
      buffers: [part(flat, q0, q1), part(counts, l0, l1), part(offsets, l0, l1 + 1), part(pos, q0, q1), part(unsorted, e0, e1), part(entries, e0, e1)],
      params: params(q1 - q0, q0, l0, l1 - l0, dSae, e0, e1 - e0, first ? 1 : 0),
      workgroups: k === "scan" ? [1] : device.grid(Math.ceil((q1 - q0) / 256)),
    });
  };
  for (const l of latents) for (const q of pairs) run("count", q, l, pairs[0], false);
  latents.forEach((l, i) => run("scan", pairs[0], l, pairs[0], i === 0));
  for (const l of latents) for (const q of pairs) run("fill", q, l, pairs[0], false);
  for (const e of pairs) for (const q of pairs) run("place", q, latents[0], e, false);
  for (const l of latents) for (const q of pairs) pairs.forEach((e, i) => run("rank", q, l, e, i === 0));
  for (const e of pairs) for (const q of pairs) run("scatter", q, latents[0], e, false);
  for (const t of [counts, pos, unsorted]) t.dispose();
}

/** latentSums in windows: values [batch, k] f32, the lists' offsets and entries, out [d_sae]. */
export function latentSumsSplit(values: Tensor, offsets: Tensor, entries: Tensor, out: Tensor): void {
  const device = values.device;
  const n = values.size;
  const dSae = out.size;
  if (n === 0) return void fill(out, 0);
  const flat = values.reshape([n]);
  const sorted = Tensor.empty(device, [n], "f32", "latent sums (values in list order)");
  const pairs = ranges(n, rowsPerBlock(device, "latentSums", n, [4]));
  const latents = ranges(dSae, latentBlock(device, "latentSums", dSae));
  const run = (k: "gather" | "sum", q: [number, number], l: [number, number], e: [number, number], first: boolean) => {
    const [q0, q1] = q;
    const [l0, l1] = l;
    const [e0, e1] = e;
    device.run(kernels[k], {
      buffers: [part(flat, q0, q1), part(offsets, l0, l1 + 1), part(entries, e0, e1), part(sorted, e0, e1), part(out, l0, l1)],
      params: params(q1 - q0, q0, l1 - l0, e0, e1 - e0, first ? 1 : 0, 0, 0),
      workgroups: device.grid(Math.ceil((k === "gather" ? e1 - e0 : l1 - l0) / 64)),
    });
  };
  for (const e of pairs) for (const q of pairs) run("gather", q, latents[0], e, false);
  for (const l of latents) pairs.forEach((e, i) => run("sum", pairs[0], l, e, i === 0));
  sorted.dispose();
}
