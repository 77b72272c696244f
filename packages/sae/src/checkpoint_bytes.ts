// An SAE checkpoint in the SAELens layout from bytes (cfg.json text or object, sae_weights.safetensors and optional
// sparsity.safetensors bytes) to host parameters, with no file system: what Sae.fromBytes / Sae.fromUrl use in
// browsers and Deno, and what the folder reader (checkpoint.ts) calls after reading the files. Every tensor is
// checked (missing / wrong shape / NaN or Inf -> CheckpointError naming the file and tensor).
import { FormatError, readSafetensors, type SafeTensor } from "@sae/tensor-core";
import { architecture } from "./arch/registry.ts";
import { configFromSaeLens, type SaeConfig } from "./config.ts";
import { CheckpointError } from "./errors.ts";

export const CFG_FILE = "cfg.json";
export const WEIGHTS_FILE = "sae_weights.safetensors";
export const SPARSITY_FILE = "sparsity.safetensors";

/** Tensor names and shapes in the weights file SAELens writes for this config. */
export function fileTensorShapes(cfg: SaeConfig): Record<string, number[]> {
  const arch = architecture(cfg.architecture);
  const shapes: Record<string, number[]> = {};
  const named = arch.fileShapes?.(cfg) ?? arch.paramShapes(cfg);
  for (const [name, shape] of Object.entries(named)) shapes[name] = [...shape];
  return shapes;
}

/** A float tensor of a weights file, by name, checked for presence, shape and dtype. */
export function tensor(
  file: string,
  tensors: Map<string, SafeTensor>,
  name: string,
  shape: number[],
  why = "",
): Float32Array {
  const t = tensors.get(name);
  const want = `[${shape.join(", ")}]`;
  const has = [...tensors.keys()].join(", ");
  if (!t) throw new CheckpointError(`${file}: missing tensor '${name}' ${want} (has: ${has})`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(`${file}: tensor '${name}' has shape [${t.shape.join(", ")}], expected ${want}${why}`);
  }
  if (!(t.data instanceof Float32Array)) {
    throw new CheckpointError(`${file}: tensor '${name}' has dtype ${t.dtype}, expected a float type`);
  }
  return t.data;
}

/** Refuses NaN/Inf weights (a diverged or corrupted checkpoint) naming the tensor and the first bad element. */
export function checkFinite(file: string, name: string, shape: readonly number[], data: Float32Array): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (first < 0) return;
  const at: number[] = [];
  for (let r = first, d = shape.length - 1; d >= 0; d--) {
    at.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  const where = `first: ${data[first]} at [${at.join(", ")}]`;
  throw new CheckpointError(
    `${file}: tensor '${name}' [${shape.join(", ")}] holds ${bad} non-finite value(s) (${where}); ` +
      "the checkpoint is corrupt or from a diverged run",
  );
}

/** Host parameters (training layout: the architecture's fromFile) from a weights file's tensors, checked. */
export function hostFromTensors(
  file: string,
  tensors: Map<string, SafeTensor>,
  cfg: SaeConfig,
): Record<string, Float32Array> {
  const why = ` (d_in ${cfg.d_in}, d_sae ${cfg.d_sae} in cfg.json)`;
  const stored = checkedTensors(file, tensors, fileTensorShapes(cfg), why);
  return architecture(cfg.architecture).fromFile?.(stored) ?? stored;
}

/** The tensors `shapes` names from a weights file, each checked (tensor) and finite (checkFinite). */
export function checkedTensors(
  file: string,
  tensors: Map<string, SafeTensor>,
  shapes: Record<string, readonly number[]>,
  why = "",
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const data = tensor(file, tensors, name, [...shape], why);
    checkFinite(file, name, [...shape], data);
    out[name] = data;
  }
  return out;
}

/** JSON text parsed; FormatError naming the file when it is not JSON. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** An SAE folder read to the host: config, cfg.json keys we do not model, parameters, log10 feature density. */
export interface SaeFolder {
  cfg: SaeConfig;
  extra: Record<string, unknown>;
  host: Record<string, Float32Array>;
  sparsity: Float32Array | null;
}

/** What the bytes came from, for messages (a folder or base URL); files are named `${label}/cfg.json` etc. */
export interface SaeBytes {
  /** cfg.json as text or as its parsed object. */
  cfg: string | unknown;
  /** sae_weights.safetensors */
  weights: Uint8Array | ArrayBuffer;
  /** sparsity.safetensors, when there is one. */
  sparsity?: Uint8Array | ArrayBuffer | null;
  label?: string;
}

/** An SAELens checkpoint from bytes to host parameters. */
export function saeFolderFromBytes(b: SaeBytes): SaeFolder {
  const at = (f: string) => (b.label ? `${b.label}/${f}` : f);
  const raw = typeof b.cfg === "string" ? parseJson(b.cfg, at("cfg.json")) : b.cfg;
  const { cfg, extra } = configFromSaeLens(raw, at("cfg.json"));
  const wf = at("sae_weights.safetensors");
  const host = hostFromTensors(wf, readSafetensors(b.weights, { file: wf }).tensors, cfg);
  const sf = at("sparsity.safetensors");
  const sparsity = b.sparsity
    ? tensor(sf, readSafetensors(b.sparsity, { file: sf }).tensors, "sparsity", [cfg.d_sae])
    : null;
  return { cfg, extra, host, sparsity };
}
