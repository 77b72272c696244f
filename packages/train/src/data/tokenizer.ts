// What the data pipeline needs from a tokenizer (the transformer package's GPT-2 BPE tokenizer fits it).
// Structural, so tests can pass a tiny fake and the store does not depend on a concrete class.

export interface TextTokenizer {
  encode(text: string): ArrayLike<number>;
  /** Prepended to prompts when prepend_bos is set (GPT-2: <|endoftext|>). */
  readonly bosTokenId: number;
  /** Positions holding this id are dropped from training activations when exclude_special_tokens is set. */
  readonly padTokenId?: number | null;
  /** The model's vocabulary size: token files holding an id past it are refused naming the file. */
  readonly vocabSize?: number;
}
