// SAELens on-disk format: a folder with cfg.json, sae_weights.safetensors (SAELens tensor names and shapes) and
// optionally sparsity.safetensors (`sparsity` = log10 feature density [d_sae]). Load validates every tensor
// (missing / wrong shape / NaN or Inf weights -> CheckpointError naming the file and tensor). Save writes what
// SAELens reads: jumprelu as `threshold` (not log_threshold), batchtopk and matryoshka_batchtopk as a jumprelu SAE
// with their running threshold (SAELens' convention), the TopK family's rescale_acts_by_decoder_norm folded into the
// weights (unit-norm W_dec rows, as SAELens exports it), and an activation scale (expected_average_only_in) folded in.
// A threshold <= 0 in a file loads as log_threshold -1e30 (threshold 0: the same f = ReLU(pre) * (pre > t)).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError, loadSafetensorsFile, saveSafetensorsFile, type SafeTensor } from "@sae/tensor-core";
import { architecture } from "./arch/registry.ts";
import { configFromSaeLens, configToSaeLens, isTopkFamily, type SaeConfig } from "./config.ts";
import { CheckpointError } from "./errors.ts";
import { foldDecoderNorms } from "./fold.ts";
import type { Sae } from "./sae.ts";

export const CFG_FILE = "cfg.json";
export const WEIGHTS_FILE = "sae_weights.safetensors";
export const SPARSITY_FILE = "sparsity.safetensors";

/** Tensor names and shapes in the weights file SAELens writes for this config. */
export function fileTensorShapes(cfg: SaeConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const [name, shape] of Object.entries(architecture(cfg.architecture).paramShapes(cfg))) {
    shapes[name === "log_threshold" ? "threshold" : name] = [...shape];
  }
  return shapes;
}

/** Reads and validates cfg.json. */
export function readConfigFile(path: string): { cfg: SaeConfig; extra: Record<string, unknown> } {
  if (!existsSync(path)) throw new CheckpointError(`${path}: file not found (an SAE folder needs ${CFG_FILE} and ${WEIGHTS_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FormatError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return configFromSaeLens(raw, path);
}

function tensor(file: string, tensors: Map<string, SafeTensor>, name: string, shape: number[], why = ""): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new CheckpointError(`${file}: missing tensor '${name}' [${shape.join(", ")}] (has: ${[...tensors.keys()].join(", ")})`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(`${file}: tensor '${name}' has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]${why}`);
  }
  if (!(t.data instanceof Float32Array)) throw new CheckpointError(`${file}: tensor '${name}' has dtype ${t.dtype}, expected a float type`);
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

/** Host parameters (training layout) from a weights file, checked against the config. */
export function readWeights(file: string, cfg: SaeConfig): Record<string, Float32Array> {
  if (!existsSync(file)) {
    throw new CheckpointError(`${file}: file not found (an SAE folder needs ${CFG_FILE} and ${WEIGHTS_FILE})`);
  }
  const { tensors } = loadSafetensorsFile(file);
  const host: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(fileTensorShapes(cfg))) {
    const data = tensor(file, tensors, name, shape, ` (d_in ${cfg.d_in}, d_sae ${cfg.d_sae} in cfg.json)`);
    checkFinite(file, name, shape, data);
    if (name === "threshold") host.log_threshold = data.map((v) => (v > 0 ? Math.log(v) : -1e30));
    else host[name] = data;
  }
  return host;
}

/** An SAE folder read to the host: config, cfg.json keys we do not model, parameters, log10 feature density. */
export interface SaeFolder {
  cfg: SaeConfig;
  extra: Record<string, unknown>;
  host: Record<string, Float32Array>;
  sparsity: Float32Array | null;
}

/**
 * Reads an SAE folder in the SAELens layout to host parameters (Sae.load uploads them). A TopK cfg.json with
 * rescale_acts_by_decoder_norm true (SAELens scales pre-activations by ||W_dec[i]|| and divides them out before
 * decoding) keeps the flag: the TopK family's encode / decode apply it (arch/topk_family.ts).
 */
export function readSaeFolder(dir: string): SaeFolder {
  const { cfg, extra } = readConfigFile(join(dir, CFG_FILE));
  const host = readWeights(join(dir, WEIGHTS_FILE), cfg);
  const sp = join(dir, SPARSITY_FILE);
  const sparsity = existsSync(sp) ? tensor(sp, loadSafetensorsFile(sp).tensors, "sparsity", [cfg.d_sae]) : null;
  return { cfg, extra, host, sparsity };
}

/** Writes an SAE folder that SAELens (and loadSae) reads. */
export async function saveSae(sae: Sae, dir: string): Promise<void> {
  let host = await sae.toHost();
  let cfg: SaeConfig = { ...sae.cfg };
  const { d_in, d_sae } = cfg;
  const s = sae.activationScale;
  if (s !== null && cfg.normalize_activations === "expected_average_only_in") {
    host.W_enc = host.W_enc.map((v) => v * s);
    host.W_dec = host.W_dec.map((v) => v / s);
    host.b_dec = host.b_dec.map((v) => v / s);
    cfg = { ...cfg, normalize_activations: "none" };
  }
  if (isTopkFamily(cfg.architecture) && cfg.rescale_acts_by_decoder_norm) {
    host = foldDecoderNorms(cfg, host, { rescaled: true }); // SAELens process_state_dict_for_saving_inference
    if (cfg.architecture !== "topk") cfg = { ...cfg, rescale_acts_by_decoder_norm: false };
  }
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, data] of Object.entries(host)) {
    if (name === "log_threshold") out.threshold = { shape: [d_sae], data: data.map(Math.exp) };
    else out[name] = { shape: name === "W_enc" ? [d_in, d_sae] : name === "W_dec" ? [d_sae, d_in] : [data.length], data };
  }
  if (cfg.architecture === "batchtopk" || cfg.architecture === "matryoshka_batchtopk") {
    out.threshold = { shape: [d_sae], data: new Float32Array(d_sae).fill(sae.topkThreshold ?? 0) };
    cfg = { ...cfg, architecture: "jumprelu", matryoshka_widths: null };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CFG_FILE), `${JSON.stringify(configToSaeLens(cfg, sae.extraConfig), null, 2)}\n`);
  saveSafetensorsFile(join(dir, WEIGHTS_FILE), out);
  if (sae.sparsity) saveSafetensorsFile(join(dir, SPARSITY_FILE), { sparsity: { shape: [d_sae], data: sae.sparsity } });
}
