// Where the SAE trained on the bundled tiny Shakespeare model lies: the `sae/` folder inside the bundled model's folder
// (SAELens layout: TopK, d_sae 512, k 16 at blocks.1.hook_resid_pre; its SOURCE.md says how it was made). This is the
// URL form for browsers (node-free); the folder on disk is bundledSaeDir in @sae/transformer/node. Loading the SAE is
// @sae/core's job (loadSae / Sae.fromUrl): this package only says where it is.
import { joinUrl } from "@sae/hub";

/** The bundled SAE's folder name inside the bundled model's folder (assets/tiny-shakespeare/). */
export const BUNDLED_SAE_FOLDER = "sae";

/**
 * The bundled SAE's base URL when the bundled model's folder is served at `modelBaseUrl` (as for
 * loadModelFromUrl / loadBundled({ baseUrl })): `Sae.fromUrl(bundledSaeUrl(base), device)`.
 */
export function bundledSaeUrl(modelBaseUrl: string): string {
  return joinUrl(modelBaseUrl, `${BUNDLED_SAE_FOLDER}/`);
}
