// The two checksum forms the hub names files by: a git blob SHA-1 (40 hex, files in git) and an LFS object's SHA-256
// (64 hex). Only the form checks here; no file system and no node:crypto, so the "." entry can use them.
// Hashing files (streamed, node:crypto) is sha1.ts / sha256.ts in the ./node entry.

/** True for a 40-hex-digit string: the form of a git object id (a blob's ETag, a commit hash). */
export function isSha1Hex(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/** True for a 64-hex-digit string: the form of an LFS object's ETag, which is the file's SHA-256. */
export function isSha256Hex(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}
