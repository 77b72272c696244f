// CPU references for embedding / gatherRows / scatterRows. Indices outside [0, R) give zero rows in a gather
// and are skipped by a scatter (the GPU kernels cannot throw); for duplicate scatter indices the last wins.
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { checkShape, fmt, numel } from "../shape.ts";
import { ShapeError } from "../errors.ts";

function rows2d(op: string, name: string, t: HostTensor): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${name} must be [R, C], got ${fmt(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

export function gatherRows(src: HostTensor, idx: HostTensor): HostTensor<"f32"> {
  checkDType("gatherRows", "src", src, "f32");
  checkDType("gatherRows", "idx", idx, "i32");
  const [R, C] = rows2d("gatherRows", "src", src);
  const n = numel(idx.shape);
  const out = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const r = idx.data[i];
    if (r >= 0 && r < R) out.set(src.data.subarray(r * C, (r + 1) * C), i * C);
  }
  return host([...idx.shape, C], out);
}

export function embedding(table: HostTensor, ids: HostTensor): HostTensor<"f32"> {
  return gatherRows(table, ids);
}

/** dst[idx[n]] = src[n]; writes into dst and returns it. */
export function scatterRows(dst: HostTensor, idx: HostTensor, src: HostTensor): HostTensor {
  checkDType("scatterRows", "dst", dst, "f32");
  checkDType("scatterRows", "idx", idx, "i32");
  const [R, C] = rows2d("scatterRows", "dst", dst);
  const n = numel(idx.shape);
  checkShape("scatterRows", "src", src.shape, [n, C]);
  for (let i = 0; i < n; i++) {
    const r = idx.data[i];
    if (r >= 0 && r < R) dst.data.set(src.data.subarray(i * C, (i + 1) * C), r * C);
  }
  return dst;
}
