// @sae/transformer public surface. Everything a later package may use is listed here by name.
export { Gpt2Tokenizer, type Gpt2TokenizerOptions, type EncodeOptions } from "./tokenizer/gpt2.ts";
export { gpt2PreTokenize, GPT2_PRETOKEN_PATTERN, splitOnSpecial, parseMerges, bpeMerge, pairKey } from "./tokenizer/bpe.ts";
export { BYTE_TO_CHAR, textToByteChars, byteCharsToBytes, decodeUtf8 } from "./tokenizer/bytes.ts";
