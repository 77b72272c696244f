// The contract each model family folder implements (config.json -> ModelConfig, HF tensors -> ModelParams) and the
// typed reader for config.json fields they share. The registry of families is registry.ts.
import { FormatError } from "@sae/tensor-core";
import { gpt2Arch, type ModelConfig } from "../model/arch.ts";
import type { HfTensors, ModelParams } from "../model/params.ts";

export interface Family {
  /** A parsed config.json (model_type already matched) -> the architecture. */
  config(json: ConfigFields): ModelConfig;
  /** The checkpoint's tensors -> our params (HF layouts rearranged, embedding scales folded in). */
  params(cfg: ModelConfig, tensors: HfTensors): ModelParams;
}

/** Typed access to a config.json object; every error names the file and field. */
export class ConfigFields {
  readonly json: Record<string, unknown>;
  readonly file: string;

  constructor(json: Record<string, unknown>, file: string) {
    this.json = json;
    this.file = file;
  }

  private fail(key: string, what: string): never {
    throw new FormatError(`${this.file}: field "${key}" must be ${what}, got ${JSON.stringify(this.json[key])}`);
  }

  /** A positive integer; the fallback when the field is absent or null. */
  int(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) this.fail(key, "a positive integer");
    return v;
  }

  /** A finite number; the fallback when absent or null. */
  num(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, "a number");
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "boolean") this.fail(key, "true or false");
    return v;
  }

  str(key: string, fallback: string): string {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "string") this.fail(key, "a string");
    return v;
  }

  /** One of the listed strings. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.str(key, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(key, `one of ${allowed.join(", ")} (others are not supported)`);
    }
    return v as T;
  }

  /** Heads: d_model must split into them unless head_dim is given. */
  heads(dModel: number, headsKey: string): { nHeads: number; dHead: number } {
    const nHeads = this.int(headsKey);
    if (this.json.head_dim === undefined || this.json.head_dim === null) {
      if (dModel % nHeads !== 0) this.fail(headsKey, `a divisor of d_model ${dModel}`);
      return { nHeads, dHead: dModel / nHeads };
    }
    return { nHeads, dHead: this.int("head_dim") };
  }

  bos(dVocab: number): number {
    const v = this.json.bos_token_id;
    return typeof v === "number" ? v : dVocab - 1;
  }

  /** eos_token_id (a number, or the first of a list as Llama 3 has), else the fallback. */
  eos(fallback: number): number {
    const v = this.json.eos_token_id;
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === "number" ? first : fallback;
  }
}

/** The dimensions every Hugging Face-layout config names the same way (hidden_size, num_attention_heads,
 *  num_hidden_layers, vocab_size, intermediate_size, max_position_embeddings), on GPT-2's defaults. */
export function hfArch(f: ConfigFields, epsKey: string, epsDefault: number): ModelConfig {
  const dModel = f.int("hidden_size");
  const { nHeads, dHead } = f.heads(dModel, "num_attention_heads");
  const dVocab = f.int("vocab_size");
  return gpt2Arch({
    nLayers: f.int("num_hidden_layers"),
    dModel,
    nHeads,
    dHead,
    dVocab,
    dMlp: f.int("intermediate_size"),
    nCtx: f.int("max_position_embeddings"),
    eps: f.num(epsKey, epsDefault),
    bosTokenId: f.bos(dVocab),
  });
}
