// Launch helpers shared by the elementwise and row kernels (not ops themselves): in-place support and 1-D grids.
// WebGPU forbids binding one buffer as writable storage and anywhere else in the same dispatch, so an input that
// is also `out` is bound to a small dummy buffer and the kernel (told by its ALIAS override bits) reads that
// input from `out` instead.
import type { Device } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { STORAGE_USAGE } from "../pool.ts";
import { fmt } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

/** Invocations per workgroup of every kernel in this family. */
export const WG = 64;

const dummies = new WeakMap<Device, GPUBuffer>();

/** A 16-byte storage buffer bound where a kernel declares a binding it will not touch. */
export function dummyBuffer(dev: Device): GPUBuffer {
  let b = dummies.get(dev);
  if (!b) {
    b = dev.gpu.createBuffer({ size: 16, usage: STORAGE_USAGE, label: "unused binding" });
    dummies.set(dev, b);
  }
  return b;
}

/** Bit i set when inputs[i] shares out's buffer; the matching buffers to bind (dummies for aliased inputs). */
export function aliasing(dev: Device, out: Tensor, inputs: Tensor[]): { alias: number; buffers: Array<GPUBuffer | GPUBufferBinding> } {
  let alias = 0;
  const buffers = inputs.map((t, i) => {
    if (t.storage !== out.storage) return t.binding;
    alias |= 1 << i;
    return dummyBuffer(dev);
  });
  return { alias, buffers };
}

/** For kernels that cannot run in place: a typed error when out shares an input's buffer. */
export function checkNoAlias(op: string, out: Tensor, inputs: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.storage === out.storage) throw new ShapeError(`${op}: out ${fmt(out.shape)} shares a buffer with ${name}; pass a separate out`);
  }
}

/** Workgroups for a 1-D launch of n invocations (index = gid.x + gid.y * nwg.x * WG). */
export function launch(dev: Device, n: number): [number, number] {
  return dev.grid(Math.ceil(n / WG));
}

/** Lanes that walk one span together in the flat kernels: one SIMD row of llvmpipe, a 128-byte segment on a GPU. */
const GROUP = 8;

/**
 * A flat launch over n4 vec4s in the span form (unary.wgsl, binary_rows.wgsl): group g of GROUP consecutive lanes
 * owns vec4s [g * span, (g + 1) * span) and lane l of it takes g * span + l, + GROUP, ... so every group streams
 * through contiguous memory (on llvmpipe a group's whole loop runs on one thread before the next group starts).
 * About 512 groups, spans of at least 64 vec4s.
 */
export function spans(n4: number): { span: number; workgroups: [number, number] } {
  const span = Math.max(64, Math.ceil(n4 / 512 / GROUP) * GROUP);
  const groups = Math.max(1, Math.ceil(n4 / span));
  return { span, workgroups: [Math.ceil((groups * GROUP) / WG), 1] };
}

/**
 * How a row kernel splits [rows, cols]: `lanes` invocations per row, each owning a contiguous segment of `seg`
 * elements (a multiple of 4). One lane per row when there are enough rows to fill ~256 lanes; wide rows with few
 * of them are cut into segments of at least 512 elements, up to 256 per row.
 */
export function rowSplit(rows: number, cols: number): { lanes: number; seg: number } {
  const want = Math.ceil(256 / Math.max(rows, 1));
  const lanes = Math.max(1, Math.min(want, 256, Math.floor(cols / 512)));
  return { lanes, seg: Math.ceil(cols / lanes / 4) * 4 };
}
