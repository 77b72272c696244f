// The tokenizer beside a checkpoint's weights. GPT-2's byte-level BPE families (gpt2, gpt_neo) with vocab.json +
// merges.txt keep the project's own Gpt2Tokenizer (tokenizer/gpt2.ts, checked against GPT-2's ids); anything
// else with a tokenizer.json (GPT-NeoX, Llama 2/3, Qwen 2, Mistral, Gemma 2) goes through HfTokenizer. No
// tokenizer files: null (the model then takes token ids only).
import { readFileSync } from "node:fs";
import { hfTokenizerFromFiles } from "../tokenizer/files.ts";
import { Gpt2Tokenizer } from "../tokenizer/gpt2.ts";
import type { ModelSource } from "./load_model.ts";
import type { TextTokenizer } from "./tokens.ts";

const GPT2_BPE_FAMILIES = ["gpt2", "gpt_neo"];

export async function tokenizerFrom(src: ModelSource, modelType: string): Promise<TextTokenizer | null> {
  if (GPT2_BPE_FAMILIES.includes(modelType) && (await src.has("vocab.json")) && (await src.has("merges.txt"))) {
    const [vocab, merges] = [await src.path("vocab.json"), await src.path("merges.txt")];
    const files = { vocabFile: vocab, mergesFile: merges };
    return Gpt2Tokenizer.fromFiles(readFileSync(vocab, "utf8"), readFileSync(merges, "utf8"), files);
  }
  if (!(await src.has("tokenizer.json"))) return null;
  const config = (await src.has("tokenizer_config.json")) ? await src.path("tokenizer_config.json") : undefined;
  return hfTokenizerFromFiles(await src.path("tokenizer.json"), config);
}
