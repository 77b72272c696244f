// Host-tensor helpers the conversions share (bytes in, no file system): reading a safetensors or torch file into
// HostTensors, looking a tensor up with an error that names the file and what it has, transposing a 2-D tensor,
// summing over an axis, and the rounding SAELens's `.to(dtype)` applies (bfloat16 / float16) so the loaded values
// equal SAELens's parameters.
import {
  bf16BitsToNumber,
  f16BitsToNumber,
  numberToBf16Bits,
  numberToF16Bits,
  readSafetensors,
} from "@sae/tensor-core";
import { CheckpointError, SaeConfigError } from "../errors.ts";
import { readTorchStateDict } from "../torch_pt.ts";
import type { HostTensor, SourceFile } from "./types.ts";

/** Every float tensor of a safetensors file. */
export function readSafetensorsHost(file: SourceFile): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of readSafetensors(file.bytes, { file: file.name }).tensors) {
    if (!(t.data instanceof Float32Array))
      throw new CheckpointError(`${file.name}: tensor '${name}' has dtype ${t.dtype}, expected a float type`);
    out.set(name, { shape: [...t.shape], data: t.data });
  }
  return out;
}

/** Every tensor of a zip-format torch.save'd state dict. */
export function readTorchHost(file: SourceFile): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of readTorchStateDict(file.bytes, file.name))
    out.set(name, { shape: t.shape, data: t.data });
  return out;
}

/** The named tensor; a CheckpointError naming the file and the tensors it has when missing. */
export function need(tensors: Map<string, HostTensor>, name: string, file: string): HostTensor {
  const t = tensors.get(name);
  if (!t) throw new CheckpointError(`${file}: missing tensor '${name}' (has: ${[...tensors.keys()].join(", ")})`);
  return t;
}

/** a [r, c] -> a.T [c, r]. */
export function transpose(t: HostTensor, what: string): HostTensor {
  if (t.shape.length !== 2)
    throw new CheckpointError(`${what}: expected a 2-D tensor to transpose, got shape [${t.shape.join(", ")}]`);
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { shape: [c, r], data: out };
}

/** Sum over axis 1 of a 3-D tensor: [a, b, c] -> [a, c] (float64 accumulation, like one rounding per output). */
export function sumAxis1(t: HostTensor, what: string): HostTensor {
  if (t.shape.length !== 3)
    throw new CheckpointError(`${what}: expected a 3-D tensor, got shape [${t.shape.join(", ")}]`);
  const [a, b, c] = t.shape;
  const out = new Float32Array(a * c);
  for (let i = 0; i < a; i++) {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let j = 0; j < b; j++) s += t.data[(i * b + j) * c + k];
      out[i * c + k] = s;
    }
  }
  return { shape: [a, c], data: out };
}

/** In place: values as SAELens holds them after `.to(dtype)` (bf16 / f16 round to nearest even; f32/f64 as is). */
export function roundToDtype(data: Float32Array, dtype: string): Float32Array {
  const d = dtype.replace(/^torch\./, "");
  if (d === "float32" || d === "float64" || d === "float") return data;
  const round = d === "bfloat16" ? (v: number) => bf16BitsToNumber(numberToBf16Bits(v)) : null;
  const half = d === "float16" || d === "half" ? (v: number) => f16BitsToNumber(numberToF16Bits(v)) : null;
  const f = round ?? half;
  if (f) {
    for (let i = 0; i < data.length; i++) data[i] = f(data[i]); // in place: large SAEs are not copied again
    return data;
  }
  throw new SaeConfigError(
    `config: dtype '${dtype}' is not a float dtype SAELens loads (float32, float64, float16, bfloat16)`,
  );
}

/** A text file (UTF-8). */
export function readText(file: SourceFile): string {
  return new TextDecoder().decode(file.bytes);
}

/** A JSON config file as an object. */
export function readJsonObject(file: SourceFile): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file));
  } catch (e) {
    throw new SaeConfigError(`${file.name}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new SaeConfigError(`${file.name}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/** A field of a foreign config, checked: integer or string, else a SaeConfigError naming the file and field. */
export function intField(o: Record<string, unknown>, key: string, file: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new SaeConfigError(`${file}: field '${key}' must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

export function strField(o: Record<string, unknown>, key: string, file: string): string {
  const v = o[key];
  if (typeof v !== "string")
    throw new SaeConfigError(`${file}: field '${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function objField(o: Record<string, unknown>, key: string, file: string): Record<string, unknown> {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new SaeConfigError(`${file}: field '${key}' must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}
