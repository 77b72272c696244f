// Tokenizers read from disk (Node, Bun, Deno; exported by @sae/transformer/node): a GPT-2 BPE folder (vocab.json +
// merges.txt), GPT-2's own vocabulary shipped in assets/gpt2, and a Hugging Face tokenizer.json. The tokenizers
// themselves (gpt2.ts, hf_tokenizer.ts) take texts or parsed JSON, so browsers build them from fetched files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@sae/tensor-core";
import { Gpt2Tokenizer, type Gpt2TokenizerOptions } from "./gpt2.ts";
import { HfTokenizer } from "./hf_tokenizer.ts";

/** A GPT-2 BPE tokenizer from a folder holding vocab.json and merges.txt. */
export function gpt2TokenizerFromDir(dir: string, options: Gpt2TokenizerOptions = {}): Gpt2Tokenizer {
  const vocabFile = join(dir, "vocab.json");
  const mergesFile = join(dir, "merges.txt");
  const read = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch (e) {
      const why = (e as Error).message;
      throw new FormatError(`tokenizer: cannot read ${p} (${why}); a tokenizer folder holds vocab.json and merges.txt`);
    }
  };
  return Gpt2Tokenizer.fromFiles(read(vocabFile), read(mergesFile), { vocabFile, mergesFile, ...options });
}

let gpt2Instance: Gpt2Tokenizer | undefined;

/** GPT-2's own 50,257-token vocabulary (assets/gpt2), loaded once. */
export function gpt2Tokenizer(): Gpt2Tokenizer {
  gpt2Instance ??= gpt2TokenizerFromDir(fileURLToPath(new URL("../../assets/gpt2/", import.meta.url)));
  return gpt2Instance;
}

/** An HfTokenizer from tokenizer.json (and tokenizer_config.json when there is one) on disk. */
export function hfTokenizerFromFiles(tokenizerFile: string, configFile?: string): HfTokenizer {
  const read = (f: string) => {
    try {
      return JSON.parse(readFileSync(f, "utf8"));
    } catch (e) {
      throw new FormatError(`${f}: cannot read (${(e as Error).message})`);
    }
  };
  return new HfTokenizer(read(tokenizerFile), configFile ? read(configFile) : {}, tokenizerFile);
}
