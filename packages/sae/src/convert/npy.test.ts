// The .npy reader on hand-built files: C- and Fortran-ordered arrays in <f4, >f8 and <f2, version 2 headers, and
// typed errors (naming the file) for a bad magic, a non-float dtype and a truncated body. The .npz path (fflate,
// stored and deflated archives) runs on the Gemma Scope fixtures in convert.test.ts.
import { describe, expect, test } from "bun:test";
import { FormatError, numberToF16Bits } from "@sae/tensor-core";
import { readNpy } from "./npy.ts";

function npy(descr: string, shape: number[], fortran: boolean, body: Uint8Array, version = 1): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${dims}), }`;
  const pre = version === 1 ? 10 : 12;
  h += " ".repeat(63 - ((pre + h.length) % 64)) + "\n";
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  out.set(new TextEncoder().encode(h), pre);
  out.set(body, pre + h.length);
  return out;
}

function bytes(values: number[], size: 2 | 4 | 8, little: boolean): Uint8Array {
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    if (size === 4) v.setFloat32(i * 4, x, little);
    else if (size === 8) v.setFloat64(i * 8, x, little);
    else v.setUint16(i * 2, numberToF16Bits(x), little);
  });
  return b;
}

const M = [1, 2, 3, 4, 5, 6]; // [[1, 2, 3], [4, 5, 6]] row-major
const MF = [1, 4, 2, 5, 3, 6]; // the same matrix column-major

describe(".npy reader", () => {
  test("C order <f4, Fortran order >f8 and <f2, version 2 header: the same row-major [2, 3]", () => {
    for (const [descr, size, little, fortran, values, version] of [
      ["<f4", 4, true, false, M, 1],
      [">f8", 8, false, true, MF, 1],
      ["<f2", 2, true, true, MF, 2],
      [">f4", 4, false, false, M, 2],
    ] as const) {
      const t = readNpy(npy(descr, [2, 3], fortran, bytes([...values], size, little), version), "x.npy");
      expect([descr, t.shape, [...t.data]]).toEqual([descr, [2, 3], M]);
    }
    const v = readNpy(npy("<f4", [3], false, bytes([0.5, -1, 2], 4, true)), "v.npy");
    expect([v.shape, [...v.data]]).toEqual([[3], [0.5, -1, 2]]);
  });

  test("bad magic, integer dtype and a truncated body are FormatErrors naming the file", () => {
    expect(() => readNpy(new Uint8Array(16), "a.npy")).toThrow(FormatError);
    expect(() => readNpy(npy("<i4", [2], false, new Uint8Array(8)), "b.npy")).toThrow(
      "b.npy: dtype '<i4' is not a float",
    );
    expect(() => readNpy(npy("<f4", [2, 3], false, new Uint8Array(20)), "c.npy")).toThrow("c.npy: truncated");
  });
});
