// Model names: TransformerLens's aliases (its MODEL_ALIASES, for the families this package runs) -> Hugging Face
// repo ids, in one table. A name not in the table is taken as a repo id as written ("gpt2-medium",
// "Qwen/Qwen2.5-0.5B", "meta-llama/Llama-3.2-1B"). Matching is case-insensitive, as TransformerLens's.
// Not the loading itself (load_model.ts) nor which names are folders (resolveModelSource there).

/** repo id -> its TransformerLens aliases. */
export const MODEL_ALIASES: Readonly<Record<string, readonly string[]>> = {
  gpt2: ["gpt2-small"],
  distilgpt2: ["distillgpt2", "distill-gpt2", "distil-gpt2", "gpt2-xs"],
  "EleutherAI/gpt-neo-125M": ["gpt-neo-125M", "gpt-neo-small", "neo-small", "neo"],
  "EleutherAI/gpt-neo-1.3B": ["gpt-neo-1.3B", "gpt-neo-medium", "neo-medium"],
  "EleutherAI/gpt-neo-2.7B": ["gpt-neo-2.7B", "gpt-neo-large", "neo-large"],
  "EleutherAI/gpt-neox-20b": ["gpt-neox-20b", "gpt-neox", "neox"],
  ...pythia(),
  "roneneldan/TinyStories-1M": ["tiny-stories-1M"],
  "roneneldan/TinyStories-3M": ["tiny-stories-3M"],
  "roneneldan/TinyStories-8M": ["tiny-stories-8M"],
  "roneneldan/TinyStories-28M": ["tiny-stories-28M"],
  "roneneldan/TinyStories-33M": ["tiny-stories-33M"],
  "roneneldan/TinyStories-Instruct-1M": ["tiny-stories-instruct-1M"],
  "roneneldan/TinyStories-Instruct-3M": ["tiny-stories-instruct-3M"],
  "roneneldan/TinyStories-Instruct-8M": ["tiny-stories-instruct-8M"],
  "roneneldan/TinyStories-Instruct-28M": ["tiny-stories-instruct-28M"],
  "roneneldan/TinyStories-Instruct-33M": ["tiny-stories-instruct-33M"],
  "roneneldan/TinyStories-1Layer-21M": ["tiny-stories-1L-21M"],
  "roneneldan/TinyStories-2Layers-33M": ["tiny-stories-2L-33M"],
  "roneneldan/TinyStories-Instuct-1Layer-21M": ["tiny-stories-instruct-1L-21M"],
  "roneneldan/TinyStories-Instruct-2Layers-33M": ["tiny-stories-instruct-2L-33M"],
  "meta-llama/Llama-2-7b-hf": ["Llama-2-7b"],
  "meta-llama/Llama-2-7b-chat-hf": ["Llama-2-7b-chat"],
  "meta-llama/Llama-2-13b-hf": ["Llama-2-13b"],
  "meta-llama/Llama-2-13b-chat-hf": ["Llama-2-13b-chat"],
  "mistralai/Mistral-7B-v0.1": ["mistral-7b"],
  "mistralai/Mistral-7B-Instruct-v0.1": ["mistral-7b-instruct"],
  "Qwen/Qwen1.5-0.5B": ["qwen1.5-0.5b"],
  "Qwen/Qwen1.5-1.8B": ["qwen1.5-1.8b"],
  "Qwen/Qwen2-0.5B": ["qwen2-0.5b"],
  "Qwen/Qwen2-1.5B": ["qwen2-1.5b"],
  "Qwen/Qwen2.5-0.5B": ["qwen2.5-0.5b"],
  "Qwen/Qwen2.5-1.5B": ["qwen2.5-1.5b"],
  "google/gemma-2-2b": ["gemma-2-2b"],
  "google/gemma-2-9b": ["gemma-2-9b"],
  "google/gemma-2-27b": ["gemma-2-27b"],
  "google/gemma-2-2b-it": ["gemma-2-2b-it"],
  "google/gemma-2-9b-it": ["gemma-2-9b-it"],
  "google/gemma-2-27b-it": ["gemma-2-27b-it"],
};

/** Pythia: pythia-<size>[-deduped] and the names EleutherAI used before renaming (19m = 70m, ...). */
function pythia(): Record<string, string[]> {
  const sizes: [string, string][] = [
    ["70m", "19m"],
    ["160m", "125m"],
    ["410m", "350m"],
    ["1b", "800m"],
    ["1.4b", "1.3b"],
    ["2.8b", "2.7b"],
    ["6.9b", "6.7b"],
    ["12b", "13b"],
  ];
  const out: Record<string, string[]> = {};
  for (const [size, old] of sizes) {
    for (const tail of ["", "-deduped"]) {
      const renamed = [`EleutherAI/pythia-${old}${tail}`, `pythia-${old}${tail}`];
      out[`EleutherAI/pythia-${size}${tail}`] = [`pythia-${size}${tail}`, ...renamed];
    }
  }
  return out;
}

const BY_ALIAS = new Map<string, string>();
for (const [repo, aliases] of Object.entries(MODEL_ALIASES)) {
  for (const a of [repo, ...aliases]) BY_ALIAS.set(a.toLowerCase(), repo);
}

/** A TransformerLens alias or repo id -> the Hugging Face repo id (a name not in the table is returned as given). */
export function resolveModelName(name: string): string {
  return BY_ALIAS.get(name.toLowerCase()) ?? name;
}
