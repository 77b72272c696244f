// Loaders that build a Sae on a device from files. The readers (checkpoint.ts, convert_hook_z.ts) return host
// parameters and never import the Sae class; this module and Sae's statics are the only places that upload them
// (so no runtime import cycle runs through sae.ts).
import type { Device } from "@sae/tensor-core";
import { readHookZ } from "./convert_hook_z.ts";
import { Sae } from "./sae.ts";

/** Loads an SAE folder in the SAELens layout onto a device (Sae.load). */
export function loadSae(dir: string, device: Device): Sae {
  return Sae.load(dir, device);
}

/** Loads a hook_z run from its two original files (`<run>.pt`, `<run>_cfg.json`) onto a device. */
export function loadHookZ(weightsPath: string, cfgPath: string, device: Device): Sae {
  const { cfg, host } = readHookZ(weightsPath, cfgPath);
  return Sae.fromHost(device, cfg, host);
}
