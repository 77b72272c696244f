// Checks for every name the hub client turns into a cache path: repo ids, revisions and filenames from the caller,
// ETags and commit hashes from the server. Anything that could leave the cache (`..`, an absolute path, a
// backslash, a NUL) or that is not the documented form is a DownloadError naming the value; nothing is written.
// Also the file URL (hubFileUrl) built from them. No file system: the "." entry.
import { DownloadError } from "./errors.ts";
import { isSha1Hex, isSha256Hex } from "./digest.ts";
import { processEnv } from "./env.ts";

export type RepoType = "model" | "dataset";

const PART = /^[\w.-]{1,96}$/;

/** "name" or "org/name", each part letters, digits, `_`, `-`, `.`; no `..` or `--` (as huggingface_hub's check). */
export function checkRepoId(repoId: string): string {
  const parts = repoId.split("/");
  if (parts.length > 2 || !parts.every((p) => PART.test(p)) || repoId.includes("..") || repoId.includes("--")) {
    const rule = "letters, digits, '_', '-', '.'; no '..' or '--'";
    throw new DownloadError(`hub: invalid repo id '${repoId}': expected 'name' or 'org/name' (${rule})`);
  }
  return repoId;
}

/** A relative path of non-empty segments, none `.` or `..`, no backslash or NUL: a filename or a revision. */
function checkRelative(kind: string, value: string): string {
  const segments = value.split("/");
  const bad = segments.some((s) => s === "" || s === "." || s === ".." || /[\\\0]/.test(s));
  if (!bad) return value;
  const rule = "a relative path without '.', '..', empty parts or backslashes";
  throw new DownloadError(`hub: invalid ${kind} '${value}': ${rule}`);
}

export function checkFilename(filename: string): string {
  return checkRelative("filename", filename);
}

/** Branch, tag (may contain `/`, as in refs/pr/1) or commit hash. */
export function checkRevision(revision: string): string {
  return checkRelative("revision", revision);
}

/**
 * The ETag header as the blob name: `W/` and quotes stripped, then a git SHA-1 (40 hex, a file in git) or a SHA-256
 * (64 hex, an LFS object). Anything else is refused: it would become a path in the cache.
 */
export function normalizeEtag(raw: string, url: string): string {
  const etag = raw.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1").toLowerCase();
  if (isSha1Hex(etag) || isSha256Hex(etag)) return etag;
  const sent = JSON.stringify(raw.slice(0, 100));
  const want = "a git SHA-1 (40 hex) or an LFS SHA-256 (64 hex)";
  throw new DownloadError(`hub: the server sent ETag ${sent}, not ${want}; nothing was written; URL ${url}`);
}

/** X-Repo-Commit: a 40-hex git commit hash. */
export function checkCommit(raw: string, url: string): string {
  const commit = raw.trim().toLowerCase();
  if (isSha1Hex(commit)) return commit;
  const sent = JSON.stringify(raw.slice(0, 100));
  const msg = `hub: the server sent X-Repo-Commit ${sent}, not a 40-hex commit hash; nothing was written; URL ${url}`;
  throw new DownloadError(msg);
}

/** A 40-hex git commit hash. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** HF_ENDPOINT where there is a process environment, else https://huggingface.co. */
export function hubEndpoint(): string {
  return processEnv().HF_ENDPOINT ?? "https://huggingface.co";
}

/** {endpoint}/[datasets/]{repo}/resolve/{revision}/{file}, every name checked and URL-encoded. */
export function hubFileUrl(
  repoId: string,
  filename: string,
  revision = "main",
  endpoint = hubEndpoint(),
  repoType: RepoType = "model",
): string {
  const prefix = repoType === "dataset" ? "datasets/" : "";
  const file = checkFilename(filename).split("/").map(encodeURIComponent).join("/");
  const rev = encodeURIComponent(checkRevision(revision));
  return `${endpoint.replace(/\/+$/, "")}/${prefix}${checkRepoId(repoId)}/resolve/${rev}/${file}`;
}
