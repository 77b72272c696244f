// A transcoder's SAELens folder on disk (@sae/core/node): loadTranscoder reads cfg.json + sae_weights.safetensors,
// saveTranscoder writes them. Parsing and the folder's contents are transcoder.ts (Transcoder.fromBytes, toFolder).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Device } from "@sae/tensor-core";
import { loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { CFG_FILE, parseJson, WEIGHTS_FILE } from "./checkpoint_bytes.ts";
import { CheckpointError } from "./errors.ts";
import { Transcoder, transcoderConfig, transcoderHost } from "./transcoder.ts";

/** Loads a SAELens transcoder folder (cfg.json + sae_weights.safetensors) onto a device. */
export function loadTranscoder(dir: string, device: Device): Transcoder {
  const cfgPath = join(dir, CFG_FILE);
  const weights = join(dir, WEIGHTS_FILE);
  for (const f of [cfgPath, weights]) {
    const needs = `a transcoder folder needs ${CFG_FILE} and ${WEIGHTS_FILE}`;
    if (!existsSync(f)) throw new CheckpointError(`${f}: file not found (${needs})`);
  }
  const raw = parseJson(readFileSync(cfgPath, "utf8"), cfgPath);
  const cfg = transcoderConfig(raw, cfgPath);
  return Transcoder.fromHost(device, cfg, transcoderHost(weights, loadSafetensorsFile(weights).tensors, cfg));
}

/** Writes a transcoder's SAELens folder (what `transcoder.save(dir)` was); SAELens and loadTranscoder read it. */
export async function saveTranscoder(transcoder: Transcoder, dir: string): Promise<void> {
  const { cfg, weights } = await transcoder.toFolder();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CFG_FILE), `${JSON.stringify(cfg, null, 2)}\n`);
  saveSafetensorsFile(join(dir, WEIGHTS_FILE), weights);
}
