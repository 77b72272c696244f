// SAE files in the SAELens layout (cfg.json + sae_weights.safetensors) for checkpoints and `sae eval`.
// Interim: written here with @sae/core's config mapping until @sae/core's own save/load is exported; jumprelu's
// log_threshold is stored as `threshold` (= exp) as SAELens expects.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensorsFile, saveSafetensorsFile, type Device, type WritableTensor } from "@sae/tensor-core";
import { configFromSaeLens, configToSaeLens, Sae } from "@sae/core";
import { CheckpointError } from "./errors.ts";

export async function saveSae(sae: Sae, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cfg.json"), `${JSON.stringify(configToSaeLens(sae.cfg, sae.extraConfig), null, 2)}\n`);
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of Object.entries(sae.params)) {
    const data = (await t.read()) as Float32Array;
    if (name === "log_threshold") tensors.threshold = { shape: [...t.shape], data: data.map(Math.exp) };
    else tensors[name] = { shape: [...t.shape], data };
  }
  saveSafetensorsFile(join(dir, "sae_weights.safetensors"), tensors);
}

export function loadSae(device: Device, dir: string): Sae {
  const cfgFile = join(dir, "cfg.json");
  const wFile = join(dir, "sae_weights.safetensors");
  for (const f of [cfgFile, wFile]) if (!existsSync(f)) throw new CheckpointError(`${dir}: missing ${f.slice(dir.length + 1)}; not an SAE checkpoint folder`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgFile, "utf8"));
  } catch (e) {
    throw new CheckpointError(`${cfgFile}: not valid JSON (${(e as Error).message})`);
  }
  const { cfg, extra } = configFromSaeLens(raw, cfgFile);
  const st = loadSafetensorsFile(wFile);
  const host: Record<string, Float32Array> = {};
  for (const [name, t] of st.tensors) {
    const data = t.data as Float32Array;
    if (name === "threshold" && cfg.architecture === "jumprelu") host.log_threshold = data.map(Math.log);
    else host[name] = data;
  }
  const sae = Sae.fromHost(device, cfg, host);
  sae.extraConfig = extra;
  return sae;
}
