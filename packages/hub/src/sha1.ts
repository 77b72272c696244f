// Git's blob object id: SHA-1 of "blob <length>\0" followed by the bytes. The hub sends it as the ETag of every file
// not stored in LFS, so it verifies those downloads. node:crypto, hex digests; files are streamed (the ./node entry; browsers: digest.ts).
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";

export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export async function gitBlobSha1File(path: string): Promise<string> {
  const hash = createHash("sha1").update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}
