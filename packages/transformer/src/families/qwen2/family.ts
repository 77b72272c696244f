// Qwen 2 / 2.5 (model_type "qwen2"): the Llama block with biases on q_proj, k_proj and v_proj (read by llamaParams
// when present), RoPE theta 1e6, often tied embeddings. Sliding-window attention (use_sliding_window) is refused:
// the released Qwen 2 configs leave it off.
import { FormatError } from "@sae/tensor-core";
import type { Family } from "../family.ts";
import { llamaConfig, llamaParams } from "../llama/family.ts";

export const qwen2: Family = {
  config(f) {
    if (f.bool("use_sliding_window", false)) {
      throw new FormatError(`${f.file}: use_sliding_window true is not supported for qwen2`);
    }
    return llamaConfig(f, "qwen2");
  },
  params: llamaParams,
};
