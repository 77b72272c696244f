// SAE files in the SAELens layout (cfg.json + sae_weights.safetensors) for checkpoints and `sae eval`, through
// @sae/core's own save/load (one place to change if that API moves).
import type { Device } from "@sae/tensor-core";
import { Sae } from "@sae/core";

export function saveSae(sae: Sae, dir: string): Promise<void> {
  return sae.save(dir);
}

export function loadSae(device: Device, dir: string): Sae {
  return Sae.load(dir, device);
}
