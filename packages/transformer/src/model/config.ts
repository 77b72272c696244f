// GPT-2 hyperparameters in TransformerLens names, and the parser for a Hugging Face GPT-2 config.json.
// Only the architecture facts the forward pass needs; dropout and training fields are ignored.
import { FormatError } from "@sae/tensor-core";

export interface Gpt2Config {
  nLayers: number;
  dModel: number;
  nHeads: number;
  dHead: number;
  dMlp: number;
  dVocab: number;
  nCtx: number;
  eps: number;
  /** BOS (and padding) id: config.json's bos_token_id; loadModel puts the tokenizer's own BOS here when it has one. */
  bosTokenId: number;
}

const ACTIVATIONS = ["gelu_new", "gelu_pytorch_tanh"];

function int(json: Record<string, unknown>, key: string, file: string, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new FormatError(`${file}: field "${key}" must be a positive integer, got ${JSON.stringify(json[key])}`);
  }
  return v;
}

/** Reads a Hugging Face GPT-2 config object (keys n_layer, n_embd, n_head, vocab_size, n_positions, ...). */
export function parseGpt2Config(json: unknown, file = "config.json"): Gpt2Config {
  if (typeof json !== "object" || json === null) throw new FormatError(`${file}: expected a JSON object`);
  const j = json as Record<string, unknown>;
  if (j.model_type !== undefined && j.model_type !== "gpt2") throw new FormatError(`${file}: model_type is "${String(j.model_type)}", expected "gpt2"`);
  const act = j.activation_function ?? "gelu_new";
  if (typeof act !== "string" || !ACTIVATIONS.includes(act)) {
    throw new FormatError(`${file}: activation_function "${String(act)}" is not supported (only ${ACTIVATIONS.join(", ")})`);
  }
  const dModel = int(j, "n_embd", file);
  const nHeads = int(j, "n_head", file);
  if (dModel % nHeads !== 0) throw new FormatError(`${file}: n_embd ${dModel} is not divisible by n_head ${nHeads}`);
  const dVocab = int(j, "vocab_size", file);
  const eps = j.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0)) throw new FormatError(`${file}: field "layer_norm_epsilon" must be a positive number`);
  const inner = j.n_inner === null || j.n_inner === undefined ? 4 * dModel : int(j, "n_inner", file);
  return {
    nLayers: int(j, "n_layer", file),
    dModel,
    nHeads,
    dHead: dModel / nHeads,
    dMlp: inner,
    dVocab,
    nCtx: int(j, "n_positions", file, typeof j.n_ctx === "number" ? j.n_ctx : undefined),
    eps,
    bosTokenId: typeof j.bos_token_id === "number" ? j.bos_token_id : dVocab - 1,
  };
}
