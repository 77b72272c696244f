// Writing a trained SAE in the SAELens layout (cfg.json + sae_weights.safetensors) for checkpoints, through
// @sae/core/node's saveSae (loading is its loadSae(dir, device); no second loader here). A trained transcoder
// (extraConfig.transcoder) is written in SAELens's Transcoder folder layout (loadTranscoder reads it; `sae eval` not).
import { Transcoder, type Sae } from "@sae/core";
import { saveSae as saveSaeFolder, saveTranscoder } from "@sae/core/node";

export async function saveSae(sae: Sae, dir: string): Promise<void> {
  if (sae.extraConfig.transcoder === "transcoder") {
    const tc = await Transcoder.fromSae(sae);
    try {
      await saveTranscoder(tc, dir);
    } finally {
      tc.dispose();
    }
    return;
  }
  return saveSaeFolder(sae, dir);
}
