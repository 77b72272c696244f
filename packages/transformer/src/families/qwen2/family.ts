// Qwen 2 / 2.5 (model_type "qwen2"): the Llama block with biases on q_proj, k_proj and v_proj (read by llamaParams
// when present), RoPE theta 1e6, often tied embeddings. Sliding-window attention as transformers 4.44.2 applies it:
// only when use_sliding_window is true, only on layers >= max_window_layers, and (the one HF path that applies it,
// flash_attention_2: window_size (w, w)) a query sees the sliding_window keys before it and itself, w + 1 in all.
// HF's eager and sdpa attention ignore the window (with a warning); the released Qwen 2 configs leave it off.
import type { ConfigFields, Family } from "../family.ts";
import { llamaConfig, llamaParams } from "../llama/family.ts";

/** Per layer: keys a query sees (itself included), 0 = global. */
function qwen2Windows(f: ConfigFields, nLayers: number): number[] {
  const w = f.json.sliding_window;
  if (!f.bool("use_sliding_window", false) || w === null || w === undefined) return new Array<number>(nLayers).fill(0);
  const window = f.int("sliding_window") + 1;
  const first = f.json.max_window_layers === 0 ? 0 : f.int("max_window_layers", 28);
  return Array.from({ length: nLayers }, (_, l) => (l >= first ? window : 0));
}

export const qwen2: Family = {
  config(f) {
    const cfg = llamaConfig(f, "qwen2");
    return { ...cfg, windows: qwen2Windows(f, cfg.nLayers) };
  },
  params: llamaParams,
};
