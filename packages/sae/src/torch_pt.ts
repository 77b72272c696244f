// Reader for a PyTorch `torch.save(state_dict)` file in the zip format (torch >= 1.6): a zip archive holding
// `<archive>/data.pkl` (a pickle naming each tensor's storage, offset, size and stride) and one raw little-endian
// storage per tensor under `<archive>/data/<key>`. The pickle is interpreted by a small stack machine that knows only
// the opcodes and constructors a state dict uses (OrderedDict, _rebuild_tensor_v2, _rebuild_parameter, storage
// classes); it never calls anything, so an untrusted file cannot run code. Not supported: the legacy (pre-1.6)
// format, big-endian archives, tensors of non-float dtypes. Tensors come back as Float32Array, made contiguous.
import { inflateSync } from "fflate";
import { bf16BitsToNumber, f16BitsToNumber, FormatError } from "@sae/tensor-core";

export interface TorchTensor {
  shape: number[];
  dtype: string;
  data: Float32Array; // contiguous, row-major
}

// ---- zip ----------------------------------------------------------------------------------------------------

/** Entry name -> its bytes (stored or deflated), from the central directory (zip64 sizes/offsets understood). */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError(`${file}: not a zip archive (no end-of-central-directory record)`);
  let count = v.getUint16(eocd + 10, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== 0x07064b50) throw new FormatError(`${file}: zip64 archive without a zip64 locator`);
    const z = Number(v.getBigUint64(loc + 8, true));
    count = Number(v.getBigUint64(z + 32, true));
    cdOffset = Number(v.getBigUint64(z + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (v.getUint32(p, true) !== 0x02014b50) throw new FormatError(`${file}: bad zip central directory entry at byte ${p}`);
    const method = v.getUint16(p + 10, true);
    let comp = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let local = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    for (let e = p + 46 + nameLen; e < p + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => ((q += 8), Number(v.getBigUint64(q - 8, true)));
        if (size === 0xffffffff) size = next();
        if (comp === 0xffffffff) comp = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    if (v.getUint32(local, true) !== 0x04034b50) throw new FormatError(`${file}: bad zip local header for '${name}'`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + comp);
    if (method === 0) out.set(name, raw);
    else if (method === 8) out.set(name, inflateSync(raw)); // raw DEFLATE
    else throw new FormatError(`${file}: zip entry '${name}' uses compression method ${method} (only stored and deflate are read)`);
    if (out.get(name)?.length !== size) throw new FormatError(`${file}: zip entry '${name}' has ${out.get(name)?.length} bytes, expected ${size}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

// ---- pickle -------------------------------------------------------------------------------------------------

class Global {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** A call the reader does not model (kept as data, never executed). */
class Opaque {
  readonly fn: string;
  readonly args: unknown;
  state: unknown = null;
  constructor(fn: string, args: unknown) {
    this.fn = fn;
    this.args = args;
  }
}

interface StorageRef {
  kind: "storage";
  dtype: string;
  key: string;
  numel: number;
}

interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

const STORAGE_DTYPES: Record<string, string> = {
  "torch.FloatStorage": "float32",
  "torch.DoubleStorage": "float64",
  "torch.HalfStorage": "float16",
  "torch.BFloat16Storage": "bfloat16",
};

const MARK = Symbol("mark");

/** Runs the pickle; returns the top-level object (Map for dicts, arrays for tuples/lists, TensorRef for tensors). */
function unpickle(b: Uint8Array, file: string): unknown {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const text = (s: number, n: number) => new TextDecoder().decode(b.subarray(s, s + n));
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new FormatError(`${file}: pickle MARK missing at byte ${p}`);
    const items = stack.splice(i);
    return items.slice(1);
  };
  const line = (): string => {
    const e = b.indexOf(10, p);
    const s = text(p, e - p);
    p = e + 1;
    return s;
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof Map)) throw new FormatError(`${file}: pickle SETITEM(S) on a non-dict`);
    for (let i = 0; i < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  };
  for (;;) {
    const op = b[p++];
    switch (op) {
      case 0x80: p += 1; break; // PROTO
      case 0x95: p += 8; break; // FRAME
      case 0x2e: return stack.pop(); // STOP
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: case 0x29: stack.push([]); break; // EMPTY_LIST, EMPTY_TUPLE
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(b[p]); p += 1; break; // BININT1
      case 0x4d: stack.push(v.getUint16(p, true)); p += 2; break; // BININT2
      case 0x4a: stack.push(v.getInt32(p, true)); p += 4; break; // BININT
      case 0x8a: { // LONG1
        const n = b[p];
        let x = 0n;
        for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[p + 1 + i]);
        if (n > 0 && b[p + n] & 0x80) x -= 1n << BigInt(8 * n);
        stack.push(Number(x));
        p += 1 + n;
        break;
      }
      case 0x47: stack.push(v.getFloat64(p, false)); p += 8; break; // BINFLOAT
      case 0x8c: stack.push(text(p + 1, b[p])); p += 1 + b[p]; break; // SHORT_BINUNICODE
      case 0x58: { const n = v.getUint32(p, true); stack.push(text(p + 4, n)); p += 4 + n; break; } // BINUNICODE
      case 0x55: stack.push(text(p + 1, b[p])); p += 1 + b[p]; break; // SHORT_BINSTRING
      case 0x54: { const n = v.getUint32(p, true); stack.push(text(p + 4, n)); p += 4 + n; break; } // BINSTRING
      case 0x43: stack.push(b.slice(p + 1, p + 1 + b[p])); p += 1 + b[p]; break; // SHORT_BINBYTES
      case 0x42: { const n = v.getUint32(p, true); stack.push(b.slice(p + 4, p + 4 + n)); p += 4 + n; break; } // BINBYTES
      case 0x71: memo.set(b[p], stack.at(-1)); p += 1; break; // BINPUT
      case 0x72: memo.set(v.getUint32(p, true), stack.at(-1)); p += 4; break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack.at(-1)); break; // MEMOIZE
      case 0x68: stack.push(memo.get(b[p])); p += 1; break; // BINGET
      case 0x6a: stack.push(memo.get(v.getUint32(p, true))); p += 4; break; // LONG_BINGET
      case 0x63: { const mod = line(); stack.push(new Global(`${mod}.${line()}`)); break; } // GLOBAL
      case 0x93: { const name = stack.pop(); stack.push(new Global(`${stack.pop()}.${name}`)); break; } // STACK_GLOBAL
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const y = stack.pop(); stack.push([stack.pop(), y]); break; } // TUPLE2
      case 0x87: { const z = stack.pop(); const y = stack.pop(); stack.push([stack.pop(), y, z]); break; } // TUPLE3
      case 0x73: { const val = stack.pop(); const key = stack.pop(); setItems(stack.at(-1), [key, val]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(stack.at(-1), kv); break; } // SETITEMS
      case 0x61: { const x = stack.pop(); (stack.at(-1) as unknown[]).push(x); break; } // APPEND
      case 0x65: { const xs = popMark(); (stack.at(-1) as unknown[]).push(...xs); break; } // APPENDS
      case 0x51: stack.push(persistent(stack.pop(), file)); break; // BINPERSID
      case 0x52: case 0x81: { const args = stack.pop() as unknown[]; stack.push(construct(stack.pop(), args, file)); break; } // REDUCE, NEWOBJ
      case 0x62: { const state = stack.pop(); const obj = stack.at(-1); if (obj instanceof Opaque) obj.state = state; break; } // BUILD
      default:
        throw new FormatError(`${file}: unsupported pickle opcode 0x${(op ?? 0).toString(16)} at byte ${p - 1} of data.pkl`);
    }
  }
}

function persistent(pid: unknown, file: string): StorageRef {
  const t = pid as unknown[];
  if (!Array.isArray(t) || t[0] !== "storage" || !(t[1] instanceof Global)) throw new FormatError(`${file}: unknown persistent id in data.pkl`);
  const dtype = STORAGE_DTYPES[t[1].name];
  if (!dtype) throw new FormatError(`${file}: storage type ${t[1].name} is not a float type (valid: ${Object.keys(STORAGE_DTYPES).join(", ")})`);
  return { kind: "storage", dtype, key: String(t[2]), numel: Number(t[4]) };
}

function construct(fn: unknown, args: unknown[], file: string): unknown {
  const name = fn instanceof Global ? fn.name : String(fn);
  if (name === "collections.OrderedDict" || name === "builtins.dict") return new Map();
  if (name === "torch._utils._rebuild_parameter") return args[0];
  if (name === "torch._utils._rebuild_tensor_v2" || name === "torch._utils._rebuild_tensor") {
    const [storage, offset, size, stride] = args as [StorageRef, number, number[], number[]];
    if ((storage as StorageRef | undefined)?.kind !== "storage") throw new FormatError(`${file}: ${name} without a storage`);
    return { kind: "tensor", storage, offset, size, stride } satisfies TensorRef;
  }
  return new Opaque(name, args);
}

// ---- tensors ------------------------------------------------------------------------------------------------

function storageValues(raw: Uint8Array, s: StorageRef, file: string): Float32Array {
  const width = { float32: 4, float64: 8, float16: 2, bfloat16: 2 }[s.dtype] as number;
  if (raw.length < s.numel * width) throw new FormatError(`${file}: storage ${s.key} has ${raw.length} bytes, expected ${s.numel * width} (${s.numel} ${s.dtype})`);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(s.numel);
  for (let i = 0; i < s.numel; i++) {
    if (s.dtype === "float32") out[i] = v.getFloat32(4 * i, true);
    else if (s.dtype === "float64") out[i] = v.getFloat64(8 * i, true);
    else if (s.dtype === "float16") out[i] = f16BitsToNumber(v.getUint16(2 * i, true));
    else out[i] = bf16BitsToNumber(v.getUint16(2 * i, true));
  }
  return out;
}

/** Contiguous copy of a strided view (size, stride, offset in elements) of a storage. */
function gather(src: Float32Array, t: TensorRef, file: string, name: string): Float32Array {
  const n = t.size.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  const idx = new Array<number>(t.size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let d = 0; d < idx.length; d++) at += idx[d] * t.stride[d];
    if (at >= src.length) throw new FormatError(`${file}: tensor '${name}' [${t.size.join(", ")}] reads past its storage (${src.length} elements)`);
    out[i] = src[at];
    for (let d = idx.length - 1; d >= 0 && ++idx[d] === t.size[d]; d--) idx[d] = 0;
  }
  return out;
}

/** Reads the tensors of a torch.save'd state dict (name -> shape, source dtype, float32 data). */
export function readTorchStateDict(bytes: Uint8Array, file: string): Map<string, TorchTensor> {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new FormatError(`${file}: not a zip-format torch.save file (the legacy pre-1.6 format is not read)`);
  const zip = readZip(bytes, file);
  const pkl = [...zip.keys()].find((k) => k.endsWith("data.pkl"));
  if (!pkl) throw new FormatError(`${file}: torch archive without data.pkl (entries: ${[...zip.keys()].join(", ")})`);
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = zip.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(order).trim() !== "little") throw new FormatError(`${file}: big-endian torch archives are not read`);
  const top = unpickle(zip.get(pkl) as Uint8Array, file);
  const dict = top instanceof Map ? top : top instanceof Opaque && top.state instanceof Map ? top.state : null;
  if (!dict) throw new FormatError(`${file}: data.pkl does not hold a dict of tensors (a state_dict)`);
  const storages = new Map<string, Float32Array>();
  const out = new Map<string, TorchTensor>();
  for (const [name, value] of dict) {
    const t = value as TensorRef;
    if (t?.kind !== "tensor") continue;
    let src = storages.get(t.storage.key);
    if (!src) {
      const raw = zip.get(`${prefix}data/${t.storage.key}`);
      if (!raw) throw new FormatError(`${file}: storage '${prefix}data/${t.storage.key}' of tensor '${name}' is missing`);
      storages.set(t.storage.key, (src = storageValues(raw, t.storage, file)));
    }
    out.set(String(name), { shape: [...t.size], dtype: t.storage.dtype, data: gather(src, t, file, String(name)) });
  }
  return out;
}
