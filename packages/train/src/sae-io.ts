// SAE files in the SAELens layout (cfg.json + sae_weights.safetensors) for checkpoints and `sae eval`, through
// @sae/core's own save/load (one place to change if that API moves). A trained transcoder (extraConfig.transcoder)
// is written in SAELens's Transcoder folder layout (Transcoder.load reads it; `sae eval` does not).
import type { Device } from "@sae/tensor-core";
import { Sae, Transcoder } from "@sae/core";

export async function saveSae(sae: Sae, dir: string): Promise<void> {
  if (sae.extraConfig.transcoder === "transcoder") {
    const tc = await Transcoder.fromSae(sae);
    try {
      await tc.save(dir);
    } finally {
      tc.dispose();
    }
    return;
  }
  return sae.save(dir);
}

export function loadSae(device: Device, dir: string): Sae {
  return Sae.load(dir, device);
}
