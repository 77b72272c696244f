// SAELens on-disk format: a folder with cfg.json, sae_weights.safetensors (SAELens tensor names and shapes) and
// optionally sparsity.safetensors (`sparsity` = log10 feature density [d_sae]). Load validates every tensor
// (missing / wrong shape / NaN or Inf weights -> CheckpointError naming the file and tensor). Save folds an
// activation scale (expected_average_only_in) into the weights and writes what SAELens reads; each architecture
// maps its own tensors (Architecture.fileShapes / fromFile / exportInference, arch/<name>/): jumprelu as
// `threshold` (not log_threshold), batchtopk and matryoshka_batchtopk as a jumprelu SAE with their running
// threshold (SAELens' convention), the TopK family's rescale_acts_by_decoder_norm folded into the weights.
// Reads and writes files (@sae/core/node); parsing from bytes, shared with Sae.fromBytes, is checkpoint_bytes.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { architecture } from "./arch/registry.ts";
import { configFromSaeLens, configToSaeLens, type SaeConfig } from "./config.ts";
import {
  CFG_FILE,
  fileTensorShapes,
  hostFromTensors,
  parseJson,
  SPARSITY_FILE,
  tensor,
  WEIGHTS_FILE,
} from "./checkpoint_bytes.ts";
import type { SaeFolder } from "./checkpoint_bytes.ts";
import { CheckpointError } from "./errors.ts";
import type { Sae } from "./sae.ts";
import { settleTopkThreshold } from "./arch/batchtopk/threshold.ts";

/** Reads and validates cfg.json. */
export function readConfigFile(path: string): { cfg: SaeConfig; extra: Record<string, unknown> } {
  if (!existsSync(path)) throw new CheckpointError(`${path}: file not found (an SAE folder needs ${CFG_FILE} and ${WEIGHTS_FILE})`);
  const raw = parseJson(readFileSync(path, "utf8"), path);
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
 * Reads an SAE folder in the SAELens layout to host parameters (loadSae uploads them). A TopK cfg.json with
 * rescale_acts_by_decoder_norm true (SAELens scales pre-activations by ||W_dec[i]|| and divides them out before
 * decoding) keeps the flag: the TopK family's encode / decode apply it (arch/family/family.ts).
 */
export function readSaeFolder(dir: string): SaeFolder {
  const { cfg, extra } = readConfigFile(join(dir, CFG_FILE));
  const host = readWeights(join(dir, WEIGHTS_FILE), cfg);
  const sp = join(dir, SPARSITY_FILE);
  const sparsity = existsSync(sp) ? tensor(sp, loadSafetensorsFile(sp).tensors, "sparsity", [cfg.d_sae]) : null;
  return { cfg, extra, host, sparsity };
}

/** Writes an SAE folder that SAELens (and loadSae) reads (what `sae.save(dir)` was). */
export async function saveSae(sae: Sae, dir: string): Promise<void> {
  let host = await sae.toHost();
  await settleTopkThreshold(sae);
  let cfg: SaeConfig = { ...sae.cfg };
  const { d_sae } = cfg;
  const s = sae.activationScale;
  if (s !== null && cfg.normalize_activations === "expected_average_only_in") {
    host.W_enc = host.W_enc.map((v) => v * s);
    host.W_dec = host.W_dec.map((v) => v / s);
    host.b_dec = host.b_dec.map((v) => v / s);
    cfg = { ...cfg, normalize_activations: "none" };
  }
  const exported = architecture(cfg.architecture).exportInference?.(cfg, host, sae.topkThreshold);
  if (exported) ({ cfg, host } = exported); // SAELens save_inference_model
  const shapes = fileTensorShapes(cfg);
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, data] of Object.entries(host)) out[name] = { shape: shapes[name] ?? [data.length], data };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CFG_FILE), `${JSON.stringify(configToSaeLens(cfg, sae.extraConfig), null, 2)}\n`);
  saveSafetensorsFile(join(dir, WEIGHTS_FILE), out);
  if (sae.sparsity) saveSafetensorsFile(join(dir, SPARSITY_FILE), { sparsity: { shape: [d_sae], data: sae.sparsity } });
}
