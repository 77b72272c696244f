// Mistral (model_type "mistral"): the Llama block with a sliding window on every layer (sliding_window: a query
// sees that many keys, itself included; null = global).
import type { Family } from "../family.ts";
import { llamaConfig, llamaParams } from "../llama/family.ts";

export const mistral: Family = {
  config(f) {
    const cfg = llamaConfig(f, "mistral");
    const window = f.json.sliding_window === null || f.json.sliding_window === undefined ? 0 : f.int("sliding_window");
    return { ...cfg, windows: new Array<number>(cfg.nLayers).fill(window) };
  },
  params: llamaParams,
};
