// Token batches: what the model's entry points accept (text, token ids, or a ready batch) and how ragged inputs
// become one right-padded [batch, pos] grid with an attention mask. The tokenizer is any object with encode/decode.
import { ShapeError } from "@sae/tensor-core";

/** The part of a tokenizer the model uses (Gpt2Tokenizer satisfies it). */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The tokenizer's BOS when it has one; the model prepends it (load_model.ts) over config.json's bos_token_id. */
  readonly bosTokenId?: number | null;
}

/** A right-padded batch: ids and mask are row-major [batch, pos]; mask is 1 on real tokens, 0 on padding. */
export interface TokenBatch {
  ids: Int32Array;
  mask: Int32Array;
  batch: number;
  pos: number;
}

export type ModelInput = string | string[] | readonly number[] | readonly (readonly number[])[] | TokenBatch;

export interface ToTokensOptions {
  prependBos?: boolean;
}

/**
 * Whether text gets BOS first when prependBos is not given: TransformerLens's default_prepend_bos per model_type
 * (true everywhere except Qwen 2, whose tokenizers have no BOS; TransformerLens's Qwen2 adapter sets it false).
 */
export function defaultPrependBos(family: string): boolean {
  return family !== "qwen2";
}

export function isTokenBatch(x: unknown): x is TokenBatch {
  return typeof x === "object" && x !== null && "ids" in x && "mask" in x;
}

/** Pads sequences on the right with `padId` into one batch. */
export function padBatch(seqs: readonly (readonly number[])[], padId: number): TokenBatch {
  const batch = seqs.length;
  const pos = Math.max(0, ...seqs.map((s) => s.length));
  if (batch === 0 || pos === 0) throw new ShapeError(`token batch is empty (${batch} sequences, longest ${pos})`);
  const ids = new Int32Array(batch * pos).fill(padId);
  const mask = new Int32Array(batch * pos);
  seqs.forEach((s, b) => {
    ids.set(s, b * pos);
    mask.fill(1, b * pos, b * pos + s.length);
  });
  return { ids, mask, batch, pos };
}

/** Encodes text (one string or many) the TransformerLens way: BOS first unless prependBos is false. */
export function encodeTexts(tok: TextTokenizer, text: string | readonly string[], bosId: number, opts: ToTokensOptions = {}): number[][] {
  const { prependBos = true } = opts;
  const texts = typeof text === "string" ? [text] : text;
  return texts.map((t) => (prependBos ? [bosId, ...tok.encode(t)] : tok.encode(t)));
}

/** Any accepted input -> a batch. Strings need the tokenizer; ids are taken as given (no BOS added). */
export function toBatch(input: ModelInput, tok: TextTokenizer | null, bosId: number, opts: ToTokensOptions = {}): TokenBatch {
  if (isTokenBatch(input)) return input;
  if (typeof input === "string" || (Array.isArray(input) && typeof input[0] === "string")) {
    if (!tok) throw new ShapeError("text input needs a tokenizer: load the model with one or pass token ids");
    return padBatch(encodeTexts(tok, input as string | string[], bosId, opts), bosId);
  }
  const arr = input as readonly number[] | readonly (readonly number[])[];
  return padBatch(typeof arr[0] === "number" ? [arr as readonly number[]] : (arr as readonly (readonly number[])[]), bosId);
}
