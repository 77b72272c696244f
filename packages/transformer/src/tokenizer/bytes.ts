// GPT-2's byte-level alphabet: a reversible map from the 256 byte values to printable unicode characters, so that
// BPE works on strings while staying lossless on any UTF-8 (or invalid) byte sequence. Printable Latin-1 bytes map
// to themselves; the rest (controls, space, 0x7f-0xa0, 0xad) map to U+0100 onwards in byte order.
import { FormatError } from "@sae/tensor-core";

function buildTable(): string[] {
  const chars: string[] = new Array(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCharCode(printable(b) ? b : 256 + next++);
  return chars;
}

/** BYTE_TO_CHAR[b] is the one-character string standing for byte b (" " -> "Ġ", "\n" -> "Ċ"). */
export const BYTE_TO_CHAR: readonly string[] = buildTable();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`, each written as its byte-level character. */
export function textToByteChars(text: string): string {
  let out = "";
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** The bytes that a byte-level token string stands for; appends into `out` and returns the new length. */
export function byteCharsToBytes(token: string, out: number[]): number {
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) {
      throw new FormatError(`byte-level token '${token}' holds character U+${token.charCodeAt(i).toString(16).padStart(4, "0")}, which is not in GPT-2's byte alphabet`);
    }
    out.push(b);
  }
  return out.length;
}

/** UTF-8 decoding that replaces invalid sequences with U+FFFD, as Hugging Face's decode (errors="replace") does. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes);
}
