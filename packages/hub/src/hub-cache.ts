// The Hugging Face hub cache layout, identical to huggingface_hub's so both tools share one cache:
//   {cache}/models--{org}--{name}/blobs/{etag}              file contents, named by ETag
//   {cache}/models--{org}--{name}/snapshots/{commit}/{file} relative symlink to the blob (a copy where links fail)
//   {cache}/models--{org}--{name}/refs/{revision}            the commit hash a branch or tag resolved to
//   {cache}/.locks/models--{org}--{name}/{etag}.sae-lock  held while one process downloads that blob (hub-lock.ts)
// This file only computes paths and reads/writes the cache; hub.ts does the network. Every name is checked
// (hub-names.ts) before it becomes a path, and every path is confirmed to lie inside the repo's folder.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { DownloadError } from "./errors.ts";
import { checkCommit, checkFilename, checkRepoId, checkRevision, isCommitHash, normalizeEtag } from "./hub-names.ts";
import type { RepoType } from "./hub-names.ts";

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

export class HubCacheRepo {
  readonly root: string;
  /** Where the download locks of this repo's blobs live: {cache}/.locks/{repo folder}. */
  readonly lockDir: string;

  constructor(cacheDir: string, repoId: string, repoType: RepoType = "model") {
    const folder = repoFolderName(checkRepoId(repoId), repoType);
    this.root = join(cacheDir, folder);
    this.lockDir = join(cacheDir, ".locks", folder);
  }

  /** join(root, ...parts), refused unless it stays strictly inside root (the names are checked already). */
  private inside(...parts: string[]): string {
    const p = join(this.root, ...parts);
    if (resolve(p).startsWith(resolve(this.root) + sep)) return p;
    throw new DownloadError(`hub: ${p} lies outside the cache ${this.root}`);
  }

  blobPath(etag: string): string {
    return this.inside("blobs", normalizeEtag(etag, this.root));
  }

  lockPath(etag: string): string {
    return join(this.lockDir, `${normalizeEtag(etag, this.root)}.sae-lock`);
  }

  snapshotPath(commit: string, filename: string): string {
    return this.inside("snapshots", checkCommit(commit, this.root), ...checkFilename(filename).split("/"));
  }

  refPath(revision: string): string {
    return this.inside("refs", ...checkRevision(revision).split("/"));
  }

  /**
   * The commit a revision points to: the revision itself when it is a hash, else refs/{revision}, else undefined
   * (also when the ref file holds anything but a commit hash: the next download rewrites it).
   */
  commitFor(revision: string): string | undefined {
    if (isCommitHash(revision)) return revision;
    const ref = this.refPath(revision);
    const commit = existsSync(ref) ? readFileSync(ref, "utf8").trim() : undefined;
    return commit !== undefined && isCommitHash(commit) ? commit : undefined;
  }

  /** The snapshot path of a file already in the cache for this revision, or undefined. */
  cachedFile(revision: string, filename: string): string | undefined {
    const commit = this.commitFor(revision);
    if (!commit) return undefined;
    const p = this.snapshotPath(commit, filename);
    return existsSync(p) ? p : undefined;
  }

  /** refs/{revision} := commit, written to a temp file and renamed so a reader never sees half of it. */
  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = this.refPath(revision);
    checkCommit(commit, ref);
    mkdirSync(dirname(ref), { recursive: true });
    if (this.commitFor(revision) === commit) return;
    const tmp = `${ref}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, commit);
    renameSync(tmp, ref);
  }

  /**
   * Points snapshots/{commit}/{filename} at the blob: a relative symlink (a copy where symlinks fail), made under a
   * temp name and renamed over the target, so concurrent callers never see it missing or half-copied.
   */
  linkSnapshot(commit: string, filename: string, etag: string): string {
    const target = this.snapshotPath(commit, filename);
    const blob = this.blobPath(etag);
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      symlinkSync(relative(dirname(target), blob), tmp);
    } catch {
      rmSync(tmp, { force: true });
      copyFileSync(blob, tmp);
    }
    renameSync(tmp, target);
    return target;
  }
}
