// HfTokenizer: any Hugging Face `tokenizer.json` (byte-level BPE as in GPT-2 / GPT-NeoX / Qwen 2 / Llama 3,
// SentencePiece-style BPE with byte fallback as in Llama 2 / Mistral / Gemma) through the maintained pure-JS
// @huggingface/tokenizers. encode never adds BOS/EOS itself: the model prepends BOS the TransformerLens way
// (tokens.ts, prependBos), so every family's BOS handling lives in one place. Special tokens in text are matched.
// Not the project's own GPT-2 BPE (gpt2.ts), which the bundled model keeps, nor reading it from disk
// (hfTokenizerFromFiles in tokenizer/files.ts, @sae/transformer/node).
import { Tokenizer } from "@huggingface/tokenizers";
import { FormatError } from "@sae/tensor-core";

export class HfTokenizer {
  readonly vocabSize: number;
  /**
   * The tokenizer's own BOS (tokenizer_config.json's bos_token, else the special token tokenizer.json's
   * TemplateProcessing post-processor puts first, i.e. what add_bos_token adds) and EOS, when it names them.
   */
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  private readonly tok: Tokenizer;

  constructor(tokenizerJson: unknown, config: Record<string, unknown> = {}, file = "tokenizer.json") {
    if (typeof tokenizerJson !== "object" || tokenizerJson === null || !("model" in tokenizerJson)) {
      throw new FormatError(`${file}: not a tokenizer.json (no "model" object)`);
    }
    try {
      this.tok = new Tokenizer(tokenizerJson, config);
    } catch (e) {
      throw new FormatError(`${file}: cannot build the tokenizer (${(e as Error).message})`);
    }
    this.vocabSize = this.tok.get_vocab(true).size;
    this.bosTokenId = this.idOf(config.bos_token) ?? this.idOf(templateFirst(tokenizerJson));
    this.eosTokenId = this.idOf(config.eos_token);
  }

  /** Text -> ids, without the BOS/EOS the tokenizer's post-processor would add. */
  encode(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return ""; // the library refuses an empty list
    return this.tok.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /** tokenizer_config.json names tokens as a string or as {content: ...}. */
  private idOf(token: unknown): number | null {
    const s = typeof token === "object" && token !== null ? (token as { content?: unknown }).content : token;
    return typeof s === "string" ? (this.tok.token_to_id(s) ?? null) : null;
  }
}

/** The special token a TemplateProcessing post-processor puts before the text ({"single": [{SpecialToken}, ...]}). */
function templateFirst(tokenizerJson: object): string | undefined {
  const pp = (tokenizerJson as { post_processor?: { type?: string; single?: { SpecialToken?: { id?: string } }[] } })
    .post_processor;
  return pp?.type === "TemplateProcessing" ? pp.single?.[0]?.SpecialToken?.id : undefined;
}
