// SAELens on-disk format: a folder with cfg.json, sae_weights.safetensors (SAELens tensor names and shapes) and
// optionally sparsity.safetensors (`sparsity` = log10 feature density [d_sae]). Load validates every tensor
// (missing / wrong shape / NaN or Inf weights -> CheckpointError naming the file and tensor). Save writes what
// SAELens reads: jumprelu as `threshold` (not log_threshold), batchtopk and matryoshka_batchtopk as a jumprelu SAE
// with their running threshold (SAELens' convention), the TopK family's rescale_acts_by_decoder_norm folded into the
// weights (unit-norm W_dec rows, as SAELens exports it), and an activation scale (expected_average_only_in) folded in.
// A threshold <= 0 in a file loads as log_threshold -1e30 (threshold 0: the same f = ReLU(pre) * (pre > t)).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError, loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core";
import { configFromSaeLens, configToSaeLens, isTopkFamily, type SaeConfig } from "./config.ts";
import { hostFromTensors, tensor, type SaeFolder } from "./checkpoint_bytes.ts";
import { CheckpointError } from "./errors.ts";
import { foldDecoderNorms } from "./fold.ts";
import type { Sae } from "./sae.ts";

export { checkFinite, fileTensorShapes, type SaeFolder } from "./checkpoint_bytes.ts";

export const CFG_FILE = "cfg.json";
export const WEIGHTS_FILE = "sae_weights.safetensors";
export const SPARSITY_FILE = "sparsity.safetensors";

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

/** Host parameters (training layout) from a weights file, checked against the config. */
export function readWeights(file: string, cfg: SaeConfig): Record<string, Float32Array> {
  if (!existsSync(file)) {
    throw new CheckpointError(`${file}: file not found (an SAE folder needs ${CFG_FILE} and ${WEIGHTS_FILE})`);
  }
  return hostFromTensors(file, loadSafetensorsFile(file).tensors, cfg);
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
