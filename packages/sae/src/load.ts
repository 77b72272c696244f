// Loaders that build a Sae on a device from files (@sae/core/node). The readers (checkpoint.ts, convert_hook_z.ts)
// return host parameters and never import the Sae class; Sae.fromFolder / fromHost upload them (so no runtime
// import cycle runs through sae.ts). Pretrained releases: pretrained_files.ts (loadPretrainedSae).
import type { Device } from "@sae/tensor-core";
import { readSaeFolder } from "./checkpoint.ts";
import { readHookZ } from "./convert_hook_z.ts";
import { Sae } from "./sae.ts";

/** Loads an SAE folder in the SAELens layout (cfg.json, sae_weights.safetensors, sparsity.safetensors). */
export function loadSae(dir: string, device: Device): Sae {
  return Sae.fromFolder(readSaeFolder(dir), device);
}

/** Loads a hook_z run from its two original files (`<run>.pt`, `<run>_cfg.json`) onto a device. */
export function loadHookZ(weightsPath: string, cfgPath: string, device: Device): Sae {
  const { cfg, host } = readHookZ(weightsPath, cfgPath);
  return Sae.fromHost(device, cfg, host);
}
