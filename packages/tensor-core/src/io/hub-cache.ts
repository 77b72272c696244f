// The Hugging Face hub cache layout, identical to huggingface_hub's so both tools share one cache:
//   {cache}/models--{org}--{name}/blobs/{etag}              file contents, named by ETag
//   {cache}/models--{org}--{name}/snapshots/{commit}/{file} relative symlink to the blob (a copy where links fail)
//   {cache}/models--{org}--{name}/refs/{revision}            the commit hash a branch or tag resolved to
// This file only computes paths and reads/writes the cache; hub.ts does the network.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";

export type RepoType = "model" | "dataset";

/** HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (XDG_CACHE_HOME respected like huggingface_hub). */
export function hubCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface", "hub");
}

/** "gpt2" -> "models--gpt2"; "org/name" -> "models--org--name". */
export function repoFolderName(repoId: string, repoType: RepoType = "model"): string {
  return [`${repoType}s`, ...repoId.split("/")].join("--");
}

/** A 40-hex git commit hash. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

export class HubCacheRepo {
  readonly root: string;

  constructor(cacheDir: string, repoId: string, repoType: RepoType = "model") {
    this.root = join(cacheDir, repoFolderName(repoId, repoType));
  }

  blobPath(etag: string): string {
    return join(this.root, "blobs", etag);
  }

  snapshotPath(commit: string, filename: string): string {
    return join(this.root, "snapshots", commit, ...filename.split("/"));
  }

  refPath(revision: string): string {
    return join(this.root, "refs", ...revision.split("/"));
  }

  /** The commit a revision points to: the revision itself when it is a hash, else refs/{revision}, else undefined. */
  commitFor(revision: string): string | undefined {
    if (isCommitHash(revision)) return revision;
    const ref = this.refPath(revision);
    return existsSync(ref) ? readFileSync(ref, "utf8").trim() : undefined;
  }

  /** The snapshot path of a file already in the cache for this revision, or undefined. */
  cachedFile(revision: string, filename: string): string | undefined {
    const commit = this.commitFor(revision);
    if (!commit) return undefined;
    const p = this.snapshotPath(commit, filename);
    return existsSync(p) ? p : undefined;
  }

  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = this.refPath(revision);
    mkdirSync(dirname(ref), { recursive: true });
    if (existsSync(ref) && readFileSync(ref, "utf8").trim() === commit) return;
    writeFileSync(ref, commit);
  }

  /** Points snapshots/{commit}/{filename} at the blob: a relative symlink, or a copy where symlinks fail. */
  linkSnapshot(commit: string, filename: string, etag: string): string {
    const target = this.snapshotPath(commit, filename);
    const blob = this.blobPath(etag);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    try {
      symlinkSync(relative(dirname(target), blob), target);
    } catch {
      const tmp = `${target}.tmp-${process.pid}`;
      copyFileSync(blob, tmp);
      renameSync(tmp, target);
    }
    return target;
  }
}
