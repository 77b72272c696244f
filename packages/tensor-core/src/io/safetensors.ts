// safetensors read/write on plain bytes (no GPU, no node:fs: browsers can use this file).
// Layout: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__"?: {string: string}}, then the data buffer that the offsets index. Floats come back as
// Float32Array (F16/BF16 widened), I64 narrows to Int32Array with a range check. File helpers: safetensors-fs.ts.
import { FormatError } from "../errors.ts";
import { bf16ToF32Array, f16ToF32Array, f32ToBf16Array, f32ToF16Array } from "./half.ts";

export type SafetensorsDType = "F32" | "F16" | "BF16" | "I64" | "I32" | "U32" | "U8";

/** Bytes per element in the file. */
export const SAFETENSORS_DTYPE_SIZE = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U32: 4, U8: 1 } as const satisfies Record<
  SafetensorsDType,
  number
>;

export type SafetensorsData = Float32Array | Int32Array | Uint32Array | Uint8Array;

/** One tensor as read: `dtype` is the type in the file, `data` the widened/narrowed host array. */
export interface SafeTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

export interface Safetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** A header entry: where a tensor's bytes lie inside the data buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[]; // sorted by begin
  metadata: Record<string, string>;
  dataStart: number; // byte offset of the data buffer in the file: 8 + N
}

export interface ReadOptions {
  /** Named in error messages. */
  file?: string;
  /** Read only these tensors (all must exist). */
  only?: readonly string[];
}

/** A tensor to write: HostTensor works as is (dtype "f32"/"i32"/"u32"); "F16"/"BF16" narrow a Float32Array. */
export interface WritableTensor {
  shape: readonly number[];
  data: SafetensorsData;
  dtype?: "f32" | "i32" | "u32" | SafetensorsDType;
}

const MAX_HEADER = 100_000_000;

/** Parses and validates the header only. Needs at least the first 8 + N bytes; `fileLength` is the whole file's size. */
export function parseSafetensorsHeader(bytes: Uint8Array, fileLength = bytes.length, file = "<bytes>"): SafetensorsHeader {
  if (bytes.length < 8) throw new FormatError(`safetensors ${file}: truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER) throw new FormatError(`safetensors ${file}: header length ${n} is not sane (max ${MAX_HEADER})`);
  if (8 + n > bytes.length) throw new FormatError(`safetensors ${file}: truncated: header says ${n} bytes of JSON, only ${bytes.length - 8} present`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new FormatError(`safetensors ${file}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new FormatError(`safetensors ${file}: header is not a JSON object`);
  const dataLength = fileLength - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new FormatError(`safetensors ${file}: __metadata__ is not an object`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") throw new FormatError(`safetensors ${file}: __metadata__.${k} is ${typeof v}, expected a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, file));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) throw new FormatError(`safetensors ${file}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${pos})`);
    if (e.begin > pos) throw new FormatError(`safetensors ${file}: tensor '${e.name}' starts at ${e.begin}, leaving a gap after ${pos} (tensors must be contiguous)`);
    pos = e.end;
  }
  if (pos > dataLength) {
    const last = entries[entries.length - 1];
    throw new FormatError(`safetensors ${file}: truncated: tensor '${last.name}' ends at data byte ${pos}, the file holds ${dataLength} data bytes`);
  }
  if (pos < dataLength) throw new FormatError(`safetensors ${file}: ${dataLength - pos} trailing data bytes after the last tensor`);
  return { entries, metadata, dataStart: 8 + n };
}

function parseEntry(name: string, raw: unknown, file: string): SafetensorsEntry {
  const where = `safetensors ${file}: tensor '${name}'`;
  if (typeof raw !== "object" || raw === null) throw new FormatError(`${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string" || !(dtype in SAFETENSORS_DTYPE_SIZE)) {
    throw new FormatError(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPE_SIZE).join(", ")})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw new FormatError(`${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`);
  }
  const dt = dtype as SafetensorsDType;
  const want = shape.reduce((a: number, d: number) => a * d, 1) * SAFETENSORS_DTYPE_SIZE[dt];
  if (offsets[1] - offsets[0] !== want) {
    throw new FormatError(`${where}: data_offsets span ${offsets[1] - offsets[0]} bytes, but ${dt} [${shape.join(", ")}] needs ${want}`);
  }
  return { name, dtype: dt, shape: shape as number[], begin: offsets[0], end: offsets[1] };
}

/** Decodes one tensor's bytes (exactly end - begin bytes of the data buffer). */
export function decodeTensor(entry: SafetensorsEntry, raw: Uint8Array, file = "<bytes>"): SafetensorsData {
  const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer; // aligned copy
  const dt = entry.dtype;
  switch (dt) {
    case "F32":
      return new Float32Array(buf);
    case "F16":
      return f16ToF32Array(new Uint16Array(buf));
    case "BF16":
      return bf16ToF32Array(new Uint16Array(buf));
    case "I32":
      return new Int32Array(buf);
    case "U32":
      return new Uint32Array(buf);
    case "U8":
      return new Uint8Array(buf);
    case "I64": {
      const words = new Int32Array(buf); // little-endian: [lo, hi] pairs
      const out = new Int32Array(words.length / 2);
      for (let i = 0; i < out.length; i++) {
        const lo = words[2 * i];
        if (words[2 * i + 1] !== lo >> 31) {
          const v = (BigInt(words[2 * i + 1]) << 32n) | BigInt(lo >>> 0);
          throw new FormatError(`safetensors ${file}: tensor '${entry.name}' I64 element ${i} = ${v} does not fit in int32`);
        }
        out[i] = lo;
      }
      return out;
    }
    default:
      throw new Error(`unreachable dtype ${dt satisfies never}`);
  }
}

/** Reads a whole safetensors file held in memory. */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Safetensors {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const file = options.file ?? "<bytes>";
  const header = parseSafetensorsHeader(u8, u8.length, file);
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  const names = options.only ?? header.entries.map((e) => e.name);
  const tensors = new Map<string, SafeTensor>();
  for (const name of names) {
    const e = byName.get(name);
    if (!e) throw new FormatError(`safetensors ${file}: no tensor named '${name}' (has: ${[...byName.keys()].join(", ")})`);
    const raw = u8.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decodeTensor(e, raw, file) });
  }
  return { tensors, metadata: header.metadata };
}

function fileDType(name: string, t: WritableTensor): SafetensorsDType {
  const given = t.dtype;
  const fromArray: SafetensorsDType =
    t.data instanceof Float32Array ? "F32" : t.data instanceof Int32Array ? "I32" : t.data instanceof Uint32Array ? "U32" : "U8";
  const dt = given === undefined ? fromArray : given === "f32" ? "F32" : given === "i32" ? "I32" : given === "u32" ? "U32" : given;
  const ok = dt !== "I64" && (dt === fromArray || ((dt === "F16" || dt === "BF16") && fromArray === "F32"));
  if (!ok) throw new FormatError(`safetensors write: tensor '${name}' has ${t.data.constructor.name} data, cannot store as ${dt}`);
  return dt;
}

function encodeTensor(dt: SafetensorsDType, data: SafetensorsData): Uint8Array {
  if (dt === "F16") return new Uint8Array(f32ToF16Array(data as Float32Array).buffer);
  if (dt === "BF16") return new Uint8Array(f32ToBf16Array(data as Float32Array).buffer);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serialises tensors (in insertion order within each element size, larger elements first so every tensor is
 * aligned to its element size) with optional string metadata. The JSON header is space-padded to a multiple of 8.
 */
export function writeSafetensors(tensors: Record<string, WritableTensor> | Map<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array {
  const items = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).map(([name, t]) => {
    if (name === "__metadata__") throw new FormatError(`safetensors write: '__metadata__' is reserved and cannot name a tensor`);
    const dtype = fileDType(name, t);
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length) throw new FormatError(`safetensors write: tensor '${name}' shape [${t.shape.join(", ")}] holds ${n} values, data has ${t.data.length}`);
    return { name, dtype, shape: [...t.shape], bytes: encodeTensor(dtype, t.data) };
  });
  items.sort((a, b) => SAFETENSORS_DTYPE_SIZE[b.dtype] - SAFETENSORS_DTYPE_SIZE[a.dtype]);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let pos = 0;
  for (const it of items) {
    header[it.name] = { dtype: it.dtype, shape: it.shape, data_offsets: [pos, pos + it.bytes.length] };
    pos += it.bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + pos);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const it of items) {
    out.set(it.bytes, at);
    at += it.bytes.length;
  }
  return out;
}
