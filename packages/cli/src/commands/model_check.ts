// The warning the analysis commands print when the SAE was trained on another model than the one it is run with
// (its cfg.json's model_name): the features would be read off activations they were never trained on.
import type { LoadedPair } from "@sae/server";
import { resolveModelName } from "@sae/transformer";

/** A TransformerLens alias is its repo id ("gpt2-small" is "gpt2"); "openai-community/gpt2" is "gpt2" too. */
const canonical = (name: string): string =>
  resolveModelName(name).toLowerCase().replace(/^openai-community\//, "");

/** A one-line warning, or null when cfg.json names no model or the same one. */
export function modelMismatch(pair: Pick<LoadedPair, "model" | "sae">): string | null {
  const trained = pair.sae.cfg.model_name;
  if (!trained || canonical(trained) === canonical(pair.model.name)) return null;
  const why = "its features may mean nothing here";
  return `warning: the SAE's cfg.json names model '${trained}', but it runs on '${pair.model.name}' (see --model-name); ${why}\n`;
}
