// A Hugging Face dataset id as `dataset_path` (e.g. NeelNanda/pile-10k), as SAELens's load_dataset(streaming=True)
// reads it: the repo's files are listed through the hub API (GET /api/datasets/<id>/tree/<rev>?recursive=true,
// following `Link: rel="next"` pages), the data files of the `train` split are picked (files naming `train` when
// any do, else all data files; Parquet only when the repo has Parquet), and each is downloaded through the hub
// client (its cache, checksums, retries) just before it is read. Streaming: the first file is read while the next
// one downloads, so training starts once one file is local. When the hub cannot be listed but a snapshot of the
// revision is in the cache (HF_HUB_OFFLINE=1 or an unreachable hub), the cached files are used.
// Not supported: loading scripts (a repo with only a .py script is a DatasetError whatever dataset_trust_remote_code
// says; SAELens's default for it is true, so the key itself stays inert), configs/subsets, other splits.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { HubCacheRepo, hubCacheDir, hubDownload, type HubDownloadOptions } from "@sae/hub/node";
import { DatasetError } from "../errors.ts";
import { DATA_FILE } from "./row-readers.ts";

export interface HubDatasetOptions
  extends Pick<
    HubDownloadOptions,
    "endpoint" | "cacheDir" | "token" | "offline" | "quiet" | "onWarning" | "onProgress"
  > {
  revision?: string;
  /** Milliseconds for the listing and each download's headers and body chunks (default: the hub client's 10 s). */
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

/** A dataset id the hub would accept: `owner/name` (no path that exists locally reaches this test). */
export function looksLikeHubDataset(path: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(path) && !/\.(txt|jsonl|parquet|u16|u32|tokens)$/i.test(path);
}

function endpointOf(o: HubDatasetOptions): string {
  return (o.endpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
}

function authOf(o: HubDatasetOptions): Record<string, string> {
  const t = o.token === false ? undefined : (o.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN);
  return t ? { authorization: `Bearer ${t}` } : {};
}

interface TreeEntry {
  type: string;
  path: string;
}

async function getJson(url: string, o: HubDatasetOptions, id: string): Promise<{ body: unknown; next: string | null }> {
  const retries = o.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { headers: authOf(o), signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
      if (res.ok) {
        const body = await res.json();
        const next = res.headers.get("link")?.match(/<([^>]+)>;\s*rel="next"/)?.[1] ?? null;
        return { body, next };
      }
    } catch (e) {
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, (o.backoffMs ?? 1000) * 2 ** Math.min(attempt, 3)));
        continue;
      }
      throw new DatasetError(`dataset ${id}: cannot list its files (${(e as Error).message}); URL ${url}`);
    }
    if (res.status >= 500 && attempt < retries) continue;
    const why = res.headers.get("x-error-message") ?? res.statusText;
    const hints: Record<number, string> = {
      404: "no such dataset or revision on the hub",
      401: "gated or private: set HF_TOKEN",
    };
    const hint = hints[res.status] ?? why;
    throw new DatasetError(`dataset ${id}: cannot list its files (HTTP ${res.status}: ${hint}); URL ${url}`);
  }
}

/** Every file path of the dataset repo at `revision` (through the API's pages). */
export async function listHubDatasetFiles(id: string, o: HubDatasetOptions = {}): Promise<string[]> {
  const rev = encodeURIComponent(o.revision ?? "main");
  let url: string | null = `${endpointOf(o)}/api/datasets/${id}/tree/${rev}?recursive=true&expand=false`;
  const out: string[] = [];
  for (let page = 0; url && page < 10_000; page++) {
    const { body, next }: { body: unknown; next: string | null } = await getJson(url, o, id);
    if (!Array.isArray(body)) {
      throw new DatasetError(`dataset ${id}: the hub's file listing is not a JSON array; URL ${url}`);
    }
    for (const e of body as TreeEntry[]) if (e?.type === "file" && typeof e.path === "string") out.push(e.path);
    url = next ? new URL(next, url).toString() : null;
  }
  return out;
}

/** The data files of the train split, in order (see the file comment). */
export function pickTrainFiles(files: readonly string[], id: string): string[] {
  let data = files.filter((f) => DATA_FILE.test(f));
  if (data.length === 0) {
    const script = files.find((f) => f.endsWith(".py"));
    const why = script
      ? `only a loading script (${script}); running it (dataset_trust_remote_code) is not supported here, ` +
        "whatever that setting says: use a revision with data files, e.g. refs/convert/parquet"
      : `no data files (.parquet, .jsonl[.gz|.zst], .txt) among its ${files.length} files`;
    throw new DatasetError(`dataset ${id}: ${why}`);
  }
  if (data.some((f) => f.endsWith(".parquet"))) data = data.filter((f) => f.endsWith(".parquet"));
  const train = data.filter((f) => /(^|[/_.-])train([/_.-]|$)/i.test(f));
  return (train.length ? train : data).sort();
}

/** The files of a cached snapshot of the revision, when there is one (offline fallback). */
function cachedFiles(id: string, o: HubDatasetOptions): { files: string[]; dir: string } | null {
  const repo = new HubCacheRepo(o.cacheDir ?? hubCacheDir(), id, "dataset");
  const commit = repo.commitFor(o.revision ?? "main");
  if (!commit) return null;
  const dir = join(repo.root, "snapshots", commit);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p));
    }
  };
  try {
    walk(dir);
  } catch {
    return null;
  }
  return { files, dir };
}

/** Lists and downloads the train files of a hub dataset, one ahead of the reader. */
export class HubDatasetFiles {
  readonly id: string;
  private readonly o: HubDatasetOptions;
  private names: string[] | null = null;
  private readonly pending = new Map<number, Promise<string>>();
  private local: string | null = null;

  constructor(id: string, o: HubDatasetOptions = {}) {
    this.id = id;
    this.o = o;
  }

  async count(): Promise<number> {
    if (!this.names) {
      const env = (process.env.HF_HUB_OFFLINE ?? "").toLowerCase();
      const offline = this.o.offline ?? ["1", "true", "yes", "on"].includes(env);
      let files: string[];
      const cached = cachedFiles(this.id, this.o);
      if (offline) {
        if (!cached) {
          const why = "offline (HF_HUB_OFFLINE) and no snapshot of it is in the hub cache";
          throw new DatasetError(`dataset ${this.id}: ${why}`);
        }
        files = cached.files;
        this.local = cached.dir;
      } else {
        try {
          files = await listHubDatasetFiles(this.id, this.o);
        } catch (e) {
          if (!cached || !/cannot list its files \((?!HTTP 4)/.test((e as Error).message)) throw e;
          const warn = this.o.onWarning ?? ((l: string) => process.stderr.write(`${l}\n`));
          warn(`warning: ${(e as Error).message}; using the cached snapshot ${cached.dir}`);
          files = cached.files;
          this.local = cached.dir;
        }
      }
      this.names = pickTrainFiles(files, this.id);
    }
    return this.names.length;
  }

  name(i: number): string {
    return this.names![i];
  }

  private start(i: number): Promise<string> {
    let p = this.pending.get(i);
    if (!p) {
      const name = this.names![i];
      p = this.local
        ? Promise.resolve(join(this.local, name))
        : hubDownload(this.id, name, {
            repoType: "dataset",
            revision: this.o.revision,
            endpoint: this.o.endpoint,
            cacheDir: this.o.cacheDir,
            token: this.o.token,
            quiet: this.o.quiet,
            onProgress: this.o.onProgress,
            onWarning: this.o.onWarning,
            connectTimeoutMs: this.o.timeoutMs,
            readTimeoutMs: this.o.timeoutMs,
            retries: this.o.retries,
            backoffMs: this.o.backoffMs,
          });
      p.catch(() => {}); // a prefetch that fails is reported when the file is needed
      this.pending.set(i, p);
    }
    return p;
  }

  /** The local path of file i (downloaded now if needed); starts downloading file i+1 in the background. */
  async path(i: number): Promise<string> {
    const p = this.start(i);
    if (i + 1 < this.names!.length) this.start(i + 1);
    try {
      return await p;
    } finally {
      this.pending.delete(i);
    }
  }
}
