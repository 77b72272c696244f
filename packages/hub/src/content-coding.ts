// A body a server compressed although the client asked for none (accept-encoding: identity): browsers, Bun and Node
// decode it in fetch, Deno hands back the encoded bytes. hub-transfer.ts asks stillEncoded after the body ended: when
// the response named gzip, deflate, br or zstd (br and zstd where the runtime's DecompressionStream has them) and the
// bytes received are still the encoded ones (exactly the Content-Length, which names the encoded size, and the
// format's magic: 1f 8b for gzip, a zlib header for deflate, 28 b5 2f fd for zstd; without a Content-Length, the
// magic alone), they are decoded once, with the runtime's DecompressionStream. Bytes the runtime already decoded are
// left as they are, even when the file itself is compressed (a .gz served with Content-Encoding: gzip: the runtime's
// one decoding is the only one); a body without Content-Encoding is never looked at. Limit: without a Content-Length,
// a file that is itself gzip served with Content-Encoding: gzip by a runtime that decodes looks still encoded.
import { DownloadError } from "./errors.ts";

/** The response's Content-Encoding, lower-cased ("gzip", "br", ...); undefined for none or identity. */
export function contentCoding(headers: Headers): string | undefined {
  const c = (headers.get("content-encoding") ?? "").trim().toLowerCase();
  return c === "" || c === "identity" ? undefined : c;
}

const FORMATS: Record<string, string> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "brotli",
  zstd: "zstd", // Bun's DecompressionStream has it
};

/** The DecompressionStream format for a coding, if this runtime has it. */
function format(coding: string): string | undefined {
  const f = FORMATS[coding];
  if (f === undefined || typeof DecompressionStream === "undefined") return undefined;
  try {
    new DecompressionStream(f as CompressionFormat);
    return f;
  } catch {
    return undefined;
  }
}

/** Whether `head` (the body's first bytes) starts as `format` does; br has no magic. */
function magic(format: string, head: Uint8Array): boolean {
  if (format === "gzip") return head[0] === 0x1f && head[1] === 0x8b;
  if (format === "deflate") return head.length >= 2 && (head[0] & 0x0f) === 8 && ((head[0] << 8) | head[1]) % 31 === 0;
  if (format === "zstd") return head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
  return true;
}

/** `bytes` decoded as `format` (a corrupt body is a DownloadError naming `what` and `url`). */
export async function decode(bytes: Uint8Array, format: string, what: string, url: string): Promise<Uint8Array> {
  const ds = new DecompressionStream(format as CompressionFormat);
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(ds);
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DownloadError(`${what}: the ${format} body does not decode (${(e as Error).message}); URL ${url}`);
  }
}

/**
 * The DecompressionStream format to decode a body sent with Content-Encoding `coding` with, when its bytes are still
 * encoded (see the top of this file): `head` is the body's first bytes (4 are enough), `count` how many came,
 * `contentLength` the response's (the encoded size; null when it sent none). Undefined: keep the bytes as they are.
 * Still-encoded bytes this runtime cannot decode (zstd, compress, br without "brotli") are a DownloadError.
 */
export function stillEncoded(
  coding: string,
  head: Uint8Array,
  count: number,
  contentLength: number | null,
  what: string,
  url: string,
): string | undefined {
  const asSent = contentLength !== null && count === contentLength;
  const f = format(coding);
  if (f === undefined) {
    if (!asSent) return undefined;
    const why = `the server sent Content-Encoding: ${coding}, which this runtime's fetch left encoded and can't decode`;
    throw new DownloadError(`${what}: ${why}; URL ${url}`);
  }
  if (!magic(f, head) || (contentLength !== null && !asSent) || (f === "brotli" && !asSent)) return undefined;
  return f;
}
