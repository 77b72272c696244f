// SHA-256 of bytes and of files (streamed, so multi-GiB checkpoints never sit in memory). node:crypto, hex digests
// (the ./node entry; browsers: digest.ts).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}
