// FileHubCache: hubFetchBytes's cache (hub-bytes.ts) as a folder, for Node, Bun and Deno: one file per key, named by
// the SHA-256 of the key (the file's URL), written to a temporary name then renamed so a reader never sees half a
// file. Not huggingface_hub's cache layout (hubDownload keeps that one).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HubCache } from "./hub-bytes.ts";
import { sha256Hex } from "./sha256.ts";

export class FileHubCache implements HubCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  private path(key: string): string {
    return join(this.dir, sha256Hex(key));
  }
  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(readFileSync(this.path(key)));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return null;
      throw e;
    }
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.path(key)}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, this.path(key));
  }
}
