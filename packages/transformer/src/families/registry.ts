// The model-family registry, keyed by config.json's model_type. Adding a family is its folder plus one line here.
import { FormatError } from "@sae/tensor-core";
import type { ModelConfig } from "../model/arch.ts";
import { ConfigFields, type Family } from "./family.ts";
import { gemma2 } from "./gemma2/family.ts";
import { gpt2 } from "./gpt2/family.ts";
import { gptNeo } from "./gpt_neo/family.ts";
import { gptNeox } from "./gpt_neox/family.ts";
import { llama } from "./llama/family.ts";
import { mistral } from "./mistral/family.ts";
import { qwen2 } from "./qwen2/family.ts";

export const FAMILIES = {
  gpt2,
  gpt_neo: gptNeo,
  gpt_neox: gptNeox,
  llama,
  qwen2,
  mistral,
  gemma2,
} as const satisfies Record<string, Family>;

export type ModelType = keyof typeof FAMILIES;

/** The family of a config.json object (model_type; GPT-2 when absent, as older GPT-2 folders have no model_type). */
export function familyOf(json: unknown, file: string): { family: Family; fields: ConfigFields } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FormatError(`${file}: expected a JSON object`);
  }
  const j = json as Record<string, unknown>;
  const type = j.model_type ?? "gpt2";
  if (typeof type !== "string" || !Object.hasOwn(FAMILIES, type)) {
    const supported = Object.keys(FAMILIES).join(", ");
    throw new FormatError(`${file}: model_type ${JSON.stringify(type)} is not supported (supported: ${supported})`);
  }
  return { family: FAMILIES[type as ModelType], fields: new ConfigFields(j, file) };
}

/** config.json object -> ModelConfig through its family. */
export function parseModelConfig(json: unknown, file = "config.json"): ModelConfig {
  const { family, fields } = familyOf(json, file);
  return family.config(fields);
}
