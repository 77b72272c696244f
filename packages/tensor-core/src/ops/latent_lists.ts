// latentLists: per latent, the sorted list of (b, j) pairs that selected it (pair = b * k + j), built on the GPU by a
// counting sort (latent_lists.wgsl). The sparse backward kernels walk these lists so that every row of W_dec's and
// every column of W_enc's gradient is summed by one workgroup in a fixed order: deterministic without float atomics.
// Indices, entries or offsets over one binding: the same sort in windows (latent_lists_split.ts); nothing else
// changes (and nothing is split) when they fit.
import { params, type Device } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { fill } from "./fill.ts";
import { latentListsSplit, latentSumsSplit, listsOverBinding } from "./latent_lists_split.ts";
import source from "./latent_lists.wgsl" with { type: "text" };
import sumsSource from "./latent_sums.wgsl" with { type: "text" };

// Device's pipeline cache is keyed by source text (not entry point), so each stage's text ends with its own name.
const stage = (entryPoint: string) => ({ name: `latent_lists_${entryPoint}`, source: `${source}\n// entry point: ${entryPoint}\n`, entryPoint });
const kernels = { count: stage("count"), scan: stage("scan"), fill: stage("fill"), sort: stage("sort"), sums: { name: "latent_sums", source: sumsSource } };

export interface LatentLists {
  dSae: number;
  /** batch * k */
  pairs: number;
  k: number;
  /** [d_sae + 1] u32: latent i's list is entries[offsets[i] .. offsets[i + 1]). */
  offsets: Tensor<"u32">;
  /** [batch * k] u32: pair ids sorted by latent, then by pair; only the first offsets[d_sae] are meaningful. */
  entries: Tensor<"u32">;
  dispose(): void;
}

export function latentLists(indices: Tensor, dSae: number): LatentLists {
  const device: Device = deviceOf("latentLists", indices);
  checkDType("latentLists", "indices", indices, "i32");
  if (indices.shape.length !== 2) throw new ShapeError(`latentLists: indices must be [batch, k], got ${fmt(indices.shape)}`);
  if (!Number.isInteger(dSae) || dSae < 1) throw new LimitError(`latentLists: d_sae = ${dSae} must be a positive integer`);
  const n = indices.size;
  const k = indices.shape[1];
  const offsets = Tensor.empty(device, [dSae + 1], "u32", "latent offsets");
  const entries = Tensor.empty(device, [Math.max(1, n)], "u32", "latent entries");
  const lists = {
    dSae,
    pairs: n,
    k,
    offsets,
    entries,
    dispose() {
      offsets.dispose();
      entries.dispose();
    },
  };
  if (listsOverBinding(device, n, dSae)) {
    latentListsSplit(indices, dSae, offsets, entries);
    return lists;
  }
  const counts = Tensor.empty(device, [dSae], "u32", "latent counts");
  const unsorted = Tensor.empty(device, [Math.max(1, n)], "u32", "latent entries (unsorted)");
  fill(counts, 0);
  const buffers = [indices.binding, counts.binding, offsets.binding, unsorted.binding, entries.binding];
  const p = params(n, dSae, 0, 0);
  const grid = device.grid(Math.ceil(Math.max(1, n) / 256));
  device.run(kernels.count, { buffers, params: p, workgroups: grid });
  device.run(kernels.scan, { buffers, params: p, workgroups: [1] });
  device.run(kernels.fill, { buffers, params: p, workgroups: grid });
  device.run(kernels.sort, { buffers, params: p, workgroups: grid });
  counts.dispose();
  unsorted.dispose();
  return lists;
}

/** Per latent, the sum of values [batch, k] over its list: the column sums of the sparse matrix (values, indices). */
export function latentSums(values: Tensor, lists: LatentLists, opts: { out?: Tensor } = {}): Tensor<"f32"> {
  const device = deviceOf("latentSums", values, lists.offsets, ...(opts.out ? [opts.out] : []));
  checkDType("latentSums", "values", values, "f32");
  if (values.size !== lists.pairs) throw new ShapeError(`latentSums: values ${fmt(values.shape)} has ${values.size} entries, the lists were built for ${lists.pairs} pairs`);
  const out = output("latentSums", device, [lists.dSae], "f32", opts.out);
  if (listsOverBinding(device, lists.pairs, lists.dSae) || out.byteLength > device.maxBinding) {
    latentSumsSplit(values, lists.offsets, lists.entries, out);
    return out;
  }
  device.run(kernels.sums, {
    buffers: [values.binding, lists.offsets.binding, lists.entries.binding, out.binding],
    params: params(lists.dSae, 0, 0, 0),
    workgroups: device.grid(Math.ceil(lists.dSae / 64)),
  });
  return out;
}
