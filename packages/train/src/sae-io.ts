// Writing a trained SAE in the SAELens layout (cfg.json + sae_weights.safetensors) for checkpoints, through
// @sae/core's own save (loading is @sae/core's loadSae(dir, device); no second loader here). A trained transcoder
// (extraConfig.transcoder) is written in SAELens's Transcoder folder layout (Transcoder.load reads it; `sae eval` not).
import { Transcoder, type Sae } from "@sae/core";

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
