// Neuronpedia ids and links for pretrained SAEs: https://www.neuronpedia.org/<model>/<sae-id>/<feature>,
// e.g. https://www.neuronpedia.org/gpt2-small/8-res-jb/1234. The id comes from the SAE's cfg.neuronpedia_id.
import { LimitError } from "@sae/tensor-core";

export const NEURONPEDIA_BASE = "https://www.neuronpedia.org";

/** The page of one feature; `id` is "<model>/<sae-id>" such as "gpt2-small/8-res-jb". */
export function neuronpediaUrl(id: string, index: number): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) throw new LimitError(`neuronpedia id '${id}' is not of the form <model>/<sae-id> (e.g. gpt2-small/8-res-jb)`);
  if (!Number.isInteger(index) || index < 0) throw new LimitError(`feature index ${index} must be a non-negative integer`);
  return `${NEURONPEDIA_BASE}/${id}/${index}`;
}

/** The Neuronpedia id of a gpt2-small-res-jb SAE from its hook name (the release names them "<layer>-res-jb"). */
export function resJbNeuronpediaId(hookName: string): string {
  const pre = /^blocks\.(\d+)\.hook_resid_pre$/.exec(hookName);
  if (pre) return `gpt2-small/${pre[1]}-res-jb`;
  if (hookName === "blocks.11.hook_resid_post") return "gpt2-small/12-res-jb";
  throw new LimitError(`hook '${hookName}' is not in gpt2-small-res-jb (blocks.{0..11}.hook_resid_pre, blocks.11.hook_resid_post)`);
}
