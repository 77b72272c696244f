// SAELens's own layout (conversion "sae_lens", sae_lens_huggingface_loader): `<path>/cfg.json`,
// `<path>/sae_weights.safetensors` (SAELens names and shapes) and, when the hub has it, `<path>/sparsity.safetensors`
// (`sparsity` = log10 feature density). The config overrides are applied to cfg.json's dict, as SAELens does.
import { CFG_FILE, SPARSITY_FILE, WEIGHTS_FILE } from "../checkpoint_bytes.ts";
import { need, readJsonObject, readSafetensorsHost } from "./tensors.ts";
import type { Converter } from "./types.ts";

export const saeLens: Converter = {
  files: (_repo, path) => ({
    required: [`${path}/${CFG_FILE}`, `${path}/${WEIGHTS_FILE}`],
    optional: [`${path}/${SPARSITY_FILE}`],
  }),
  async load({ path, overrides, read, optional }) {
    const cfg = { ...readJsonObject(await read(`${path}/${CFG_FILE}`)), ...overrides };
    const weights = await read(`${path}/${WEIGHTS_FILE}`);
    const sp = await optional(`${path}/${SPARSITY_FILE}`);
    const sparsity = sp === null ? null : need(readSafetensorsHost(sp), "sparsity", sp.name).data;
    return { cfg, tensors: Object.fromEntries(readSafetensorsHost(weights)), sparsity };
  },
};
