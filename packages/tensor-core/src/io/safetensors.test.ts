import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../errors.ts";
import { host } from "../tensor.ts";
import { bf16BitsToNumber, f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from "./half.ts";
import { readSafetensors, writeSafetensors } from "./safetensors.ts";
import { loadSafetensorsFile, readSafetensorsHeaderFile, saveSafetensorsFile } from "./safetensors-fs.ts";

/** Builds a file by the spec: u64 LE header length, the JSON text as given, then the raw data bytes. */
function rawFile(json: string, data: number[]): Uint8Array {
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

// Values and bit patterns produced by torch 1.13: torch.tensor(v).half() / .bfloat16() viewed as int16.
const GOLDEN: [number, number, number][] = [
  // value, f16 bits, bf16 bits
  [1.0, 0x3c00, 0x3f80],
  [-2.5, 0xc100, 0xc020],
  [65504, 0x7bff, 0x4780],
  [65520, 0x7c00, 0x4780],
  [1 + 2 ** -11, 0x3c00, 0x3f80],
  [1 + 3 * 2 ** -11, 0x3c02, 0x3f80],
  [2 ** -25, 0x0000, 0x3300],
  [1.5 * 2 ** -25, 0x0001, 0x3340],
  [2 ** -24, 0x0001, 0x3380],
  [6.097555160522461e-5, 0x03ff, 0x3880],
  [0.1, 0x2e66, 0x3dcd],
  [-0.0, 0x8000, 0x8000],
  [1e-7, 0x0002, 0x33d7],
  [3.14159265, 0x4248, 0x4049],
];

describe("half precision", () => {
  test("f16 and bf16 narrowing match torch's bits", () => {
    for (const [v, h, b] of GOLDEN) {
      expect([v, numberToF16Bits(v)]).toEqual([v, h]);
      expect([v, numberToBf16Bits(v)]).toEqual([v, b]);
    }
  });

  test("f16 widening: known values, subnormals, infinities; every non-NaN pattern round-trips", () => {
    expect(f16BitsToNumber(0x3c00)).toBe(1);
    expect(f16BitsToNumber(0xc100)).toBe(-2.5);
    expect(f16BitsToNumber(0x7bff)).toBe(65504);
    expect(f16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(f16BitsToNumber(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(f16BitsToNumber(0xfc00)).toBe(-Infinity);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    expect(Number.isNaN(f16BitsToNumber(0x7e00))).toBe(true);
    for (let h = 0; h < 65536; h++) {
      const v = f16BitsToNumber(h);
      if (!Number.isNaN(v) && numberToF16Bits(v) !== h) throw new Error(`f16 0x${h.toString(16)} -> ${v} -> 0x${numberToF16Bits(v).toString(16)}`);
    }
    expect(Number.isNaN(f16BitsToNumber(numberToF16Bits(NaN)))).toBe(true);
  });

  test("bf16 widening", () => {
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(0xc020)).toBe(-2.5);
    expect(bf16BitsToNumber(0x4049)).toBe(3.140625);
    expect(bf16BitsToNumber(0x0001)).toBe(2 ** -133);
    expect(bf16BitsToNumber(0xff80)).toBe(-Infinity);
    expect(Number.isNaN(bf16BitsToNumber(numberToBf16Bits(NaN)))).toBe(true);
  });
});

describe("safetensors read", () => {
  test("a hand-written file with every dtype decodes to the expected values", () => {
    const json = JSON.stringify({
      __metadata__: { format: "pt", note: "hand made" },
      w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      h: { dtype: "F16", shape: [3], data_offsets: [8, 14] },
      b: { dtype: "BF16", shape: [1, 2], data_offsets: [14, 18] },
      i: { dtype: "I32", shape: [1], data_offsets: [18, 22] },
      l: { dtype: "I64", shape: [2], data_offsets: [22, 38] },
      u: { dtype: "U8", shape: [3], data_offsets: [38, 41] },
      e: { dtype: "F32", shape: [0, 4], data_offsets: [41, 41] },
    });
    const data = [
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, // F32 1.0, -2.5
      0x00, 0x3c, 0xff, 0x7b, 0x01, 0x00, // F16 1.0, 65504, 2^-24
      0x20, 0xc0, 0x49, 0x40, // BF16 -2.5, 3.140625
      0xfe, 0xff, 0xff, 0xff, // I32 -2
      0x05, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // I64 5, -3
      7, 0, 255, // U8
    ];
    const st = readSafetensors(rawFile(json, data), { file: "hand.safetensors" });
    expect(st.metadata).toEqual({ format: "pt", note: "hand made" });
    const get = (n: string) => st.tensors.get(n)!;
    expect(get("w")).toEqual({ dtype: "F32", shape: [2], data: new Float32Array([1, -2.5]) });
    expect(get("h").data).toEqual(new Float32Array([1, 65504, 2 ** -24]));
    expect(get("b")).toEqual({ dtype: "BF16", shape: [1, 2], data: new Float32Array([-2.5, 3.140625]) });
    expect(get("i").data).toEqual(new Int32Array([-2]));
    expect(get("l")).toEqual({ dtype: "I64", shape: [2], data: new Int32Array([5, -3]) });
    expect(get("u").data).toEqual(new Uint8Array([7, 0, 255]));
    expect(get("e").data.length).toBe(0);
    const only = readSafetensors(rawFile(json, data), { only: ["i"] });
    expect([...only.tensors.keys()]).toEqual(["i"]);
  });

  test("I64 outside int32 is a FormatError naming the tensor and value", () => {
    const json = JSON.stringify({ ids: { dtype: "I64", shape: [1], data_offsets: [0, 8] } });
    const err = errorOf(() => readSafetensors(rawFile(json, [0, 0, 0, 0x80, 0, 0, 0, 0]), { file: "big.st" }));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toContain("big.st");
    expect(err.message).toContain("'ids'");
    expect(err.message).toContain("2147483648");
  });

  const good = JSON.stringify({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } });
  const goodData = new Array(12).fill(0);
  const cases: [string, () => Uint8Array, string[]][] = [
    ["truncated data", () => rawFile(good, goodData).subarray(0, 8 + good.length + 10), ["truncated", "'b'"]],
    ["truncated header", () => rawFile(good, goodData).subarray(0, 20), ["truncated", "header"]],
    ["fewer than 8 bytes", () => new Uint8Array(5), ["truncated"]],
    ["insane header length", () => { const b = new Uint8Array(16); b[6] = 1; return b; }, ["header length"]],
    ["bad JSON", () => rawFile("{\"a\": {", []), ["JSON"]],
    ["header not an object", () => rawFile("[1, 2]", []), ["not a JSON object"]],
    ["unknown dtype", () => rawFile(JSON.stringify({ q: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }), [0]), ["'q'", "F8_E4M3"]],
    ["size mismatch", () => rawFile(JSON.stringify({ s: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }), goodData.slice(0, 8)), ["'s'", "needs 12"]],
    [
      "overlapping offsets",
      () => rawFile(JSON.stringify({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }), goodData.slice(0, 8)),
      ["overlap", "'b'"],
    ],
    ["gap", () => rawFile(JSON.stringify({ g: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }), goodData.slice(0, 8)), ["'g'", "gap"]],
    ["trailing bytes", () => rawFile(good, new Array(16).fill(0)), ["trailing"]],
    ["bad offsets", () => rawFile(JSON.stringify({ o: { dtype: "U8", shape: [1], data_offsets: [1] } }), [0]), ["'o'", "data_offsets"]],
    ["metadata value not a string", () => rawFile(JSON.stringify({ __metadata__: { n: 3 } }), []), ["__metadata__.n"]],
  ];
  for (const [name, make, parts] of cases) {
    test(`malformed: ${name}`, () => {
      const err = errorOf(() => readSafetensors(make(), { file: "bad.safetensors" }));
      expect(err).toBeInstanceOf(FormatError);
      for (const p of ["bad.safetensors", ...parts]) expect(err.message).toContain(p);
    });
  }
});

describe("safetensors write", () => {
  test("round trip with metadata, F16/BF16 narrowing, aligned header and data", () => {
    const W = new Float32Array(35).map((_, i) => Math.sin(i) * 3);
    const bytes = writeSafetensors(
      {
        small: { shape: [3], data: new Uint8Array([1, 2, 3]) },
        W_enc: host([5, 7], W),
        idx: host([2], new Int32Array([-7, 2147483647])),
        half: { shape: [4], data: new Float32Array([1, -2.5, 65504, 2 ** -24]), dtype: "F16" },
        brain: { shape: [2], data: new Float32Array([-2.5, 0.1]), dtype: "BF16" },
      },
      { architecture: "topk", d_sae: "7" },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(bytes[8]).toBe("{".charCodeAt(0));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    for (const [k, v] of Object.entries(header)) {
      if (k === "__metadata__") continue;
      const e = v as { dtype: string; data_offsets: number[] };
      const size = { F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1 }[e.dtype]!;
      expect([k, e.data_offsets[0] % size]).toEqual([k, 0]);
    }
    const st = readSafetensors(bytes);
    expect(st.metadata).toEqual({ architecture: "topk", d_sae: "7" });
    expect(st.tensors.get("W_enc")).toEqual({ dtype: "F32", shape: [5, 7], data: W });
    expect(st.tensors.get("idx")!.data).toEqual(new Int32Array([-7, 2147483647]));
    expect(st.tensors.get("half")).toEqual({ dtype: "F16", shape: [4], data: new Float32Array([1, -2.5, 65504, 2 ** -24]) });
    expect(st.tensors.get("brain")!.data).toEqual(new Float32Array([-2.5, bf16BitsToNumber(0x3dcd)]));
    expect(st.tensors.get("small")!.data).toEqual(new Uint8Array([1, 2, 3]));
    // writing what was read reproduces the same bytes
    expect(writeSafetensors(st.tensors, st.metadata)).toEqual(bytes);
  });

  test("bad tensors to write are FormatErrors naming the tensor", () => {
    expect(errorOf(() => writeSafetensors({ x: { shape: [2, 2], data: new Float32Array(3) } })).message).toContain("'x'");
    expect(errorOf(() => writeSafetensors({ y: { shape: [1], data: new Int32Array(1), dtype: "F16" } })).message).toContain("'y'");
    expect(errorOf(() => writeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } }))).toBeInstanceOf(FormatError);
  });
});

describe("safetensors files", () => {
  test("save, read the header, load all or some, and report truncation", () => {
    const dir = mkdtempSync(join(tmpdir(), "st-"));
    try {
      const path = join(dir, "nested", "sae.safetensors");
      const b = new Float32Array(1000).map((_, i) => i / 7);
      saveSafetensorsFile(path, { b_enc: host([1000], b), W: host([2, 3], [1, 2, 3, 4, 5, 6]) }, { k: "32" });
      const header = readSafetensorsHeaderFile(path);
      expect(header.entries.map((e) => [e.name, e.shape])).toEqual([["b_enc", [1000]], ["W", [2, 3]]]);
      expect(header.metadata).toEqual({ k: "32" });
      const all = loadSafetensorsFile(path);
      expect(all.tensors.get("b_enc")!.data).toEqual(b);
      expect(all.tensors.get("W")!.data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
      const some = loadSafetensorsFile(path, { only: ["W"] });
      expect([...some.tensors.keys()]).toEqual(["W"]);
      expect(errorOf(() => loadSafetensorsFile(path, { only: ["nope"] })).message).toContain("'nope'");
      const cut = join(dir, "cut.safetensors");
      writeFileSync(cut, writeSafetensors({ b_enc: host([1000], b) }).subarray(0, 500));
      const err = errorOf(() => loadSafetensorsFile(cut));
      expect(err).toBeInstanceOf(FormatError);
      expect(err.message).toContain("cut.safetensors");
      expect(err.message).toContain("truncated");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
