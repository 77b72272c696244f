// The two checksum forms the hub names files by: a git blob SHA-1 (40 hex, files in git) and an LFS object's SHA-256
// (64 hex): the form checks, and both hashes of bytes in memory through WebCrypto (crypto.subtle: browsers, Deno,
// Node, Bun), so the "." entry needs no node:crypto. Hashing files (streamed, node:crypto): sha1.ts / sha256.ts.

/** True for a 40-hex-digit string: the form of a git object id (a blob's ETag, a commit hash). */
export function isSha1Hex(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/** True for a 64-hex-digit string: the form of an LFS object's ETag, which is the file's SHA-256. */
export function isSha256Hex(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of bytes, hex (an LFS object's id). */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Git's blob id of bytes, hex: SHA-1 of "blob <length>\0" and the bytes. */
export async function gitBlobSha1Digest(bytes: Uint8Array): Promise<string> {
  const prefix = new TextEncoder().encode(`blob ${bytes.length}\0`);
  const all = new Uint8Array(prefix.length + bytes.length);
  all.set(prefix);
  all.set(bytes, prefix.length);
  return hex(await crypto.subtle.digest("SHA-1", all));
}
