// NumPy .npy / .npz reader: an .npz is a zip (stored or deflated, unzipped with fflate) of .npy files; an .npy is
// a magic string, a version, a header dict (descr, fortran_order, shape) and the raw array. Float dtypes only
// (<f4, <f8, <f2, and the big-endian spellings); Fortran-ordered arrays are returned row-major. This is what Gemma
// Scope's params.npz needs (np.load in SAELens's gemma_2 and gemma_2_transcoder loaders).
import { unzipSync } from "fflate";
import { f16BitsToNumber, FormatError } from "@sae/tensor-core";
import type { HostTensor, SourceFile } from "./types.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function header(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined)
    throw new FormatError(`${file}: bad .npy header ${JSON.stringify(text)}`);
  const dims = shape
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  return { descr, fortran: fortran === "True", shape: dims };
}

/** One .npy array as a row-major float32 host tensor. */
export function readNpy(bytes: Uint8Array, file: string): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new FormatError(`${file}: not a .npy file (bad magic)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const hlen = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + hlen;
  const h = header(new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start)), file);
  const m = /^([<>|=])([fF])(\d)$/.exec(h.descr);
  if (!m || !["2", "4", "8"].includes(m[3]))
    throw new FormatError(`${file}: dtype '${h.descr}' is not a float dtype (valid: <f2, <f4, <f8)`);
  const little = m[1] !== ">";
  const size = Number(m[3]);
  const n = h.shape.reduce((a, b) => a * b, 1);
  if (bytes.length < start + n * size)
    throw new FormatError(
      `${file}: truncated: shape [${h.shape.join(", ")}] needs ${n * size} bytes, has ${bytes.length - start}`,
    );
  if (size === 4 && little && !h.fortran) {
    return { shape: h.shape, data: new Float32Array(bytes.slice(start, start + n * 4).buffer) }; // little-endian host
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = start + i * size;
    out[i] =
      size === 4
        ? v.getFloat32(o, little)
        : size === 8
          ? v.getFloat64(o, little)
          : f16BitsToNumber(v.getUint16(o, little));
  }
  if (!h.fortran || h.shape.length < 2) return { shape: h.shape, data: out };
  const rowMajor = new Float32Array(n);
  const idx = new Array<number>(h.shape.length).fill(0); // multi-index of row-major element i
  for (let i = 0; i < n; i++) {
    let fi = 0;
    for (let d = 0, stride = 1; d < h.shape.length; d++) {
      fi += idx[d] * stride;
      stride *= h.shape[d];
    }
    rowMajor[i] = out[fi];
    for (let d = h.shape.length - 1; d >= 0; d--) {
      if (++idx[d] < h.shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: h.shape, data: rowMajor };
}

/** Every array of an .npz file, by name without the `.npy` suffix, in archive order. */
export function readNpz(file: SourceFile): Map<string, HostTensor> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(file.bytes);
  } catch (e) {
    throw new FormatError(`${file.name}: not a readable .npz (zip) file (${(e as Error).message})`);
  }
  const out = new Map<string, HostTensor>();
  for (const [name, bytes] of Object.entries(entries))
    out.set(name.replace(/\.npy$/, ""), readNpy(bytes, `${file.name}:${name}`));
  return out;
}
