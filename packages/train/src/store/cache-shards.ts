// A sharded activation cache: a folder of ordinary cache files (activation-cache.ts format, each readable on its
// own) so a cache can outgrow one file (and one disk's file-size limit):
//   <folder>/shards.json         { format: "sae-acts-shards-v1", header, shards: [{ file, blocks, rows }],
//                                  blocks, rows }   written last: a folder without it is an unfinished cache
//   <folder>/shard-00000.sae-acts, shard-00001.sae-acts, ...   a new shard starts when one reaches shardBytes
// The reader streams the shards in order as one sequence of blocks and starts over after the last (epochs), as the
// single-file reader does. `sae cache-activations` writes it; training reads it with use_cached_activations.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "@sae/tensor-core";
import { ActivationCacheReader, ActivationCacheWriter, cacheMatches } from "./activation-cache.ts";
import type { ActivationCacheHeader } from "./activation-cache.ts";

export const SHARDS_FORMAT = "sae-acts-shards-v1";
const INDEX = "shards.json";

export interface ShardsIndex {
  format: typeof SHARDS_FORMAT;
  header: ActivationCacheHeader;
  shards: { file: string; blocks: number; rows: number }[];
  blocks: number;
  rows: number;
}

/** What CacheProducer reads: one file or a folder of shards. */
export interface ActivationBlocks {
  readonly path: string;
  readonly header: ActivationCacheHeader;
  nextBlock(): { rows: number; data: Float32Array };
  skip(n: number): void;
  close(): void;
}

export function isShardedCache(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function readShardsIndex(dir: string): ShardsIndex {
  const path = join(dir, INDEX);
  if (!existsSync(path)) {
    throw new FormatError(`activation cache ${dir}: no ${INDEX} (an unfinished or interrupted cache; write it again)`);
  }
  const idx = JSON.parse(readFileSync(path, "utf8")) as ShardsIndex;
  if (idx.format !== SHARDS_FORMAT) {
    throw new FormatError(`${path}: format '${idx.format}', expected '${SHARDS_FORMAT}'`);
  }
  if (idx.shards.length === 0) throw new FormatError(`${path}: holds no shards`);
  return idx;
}

/** Appends blocks, starting a new shard file when the current one reaches `shardBytes`; finish() writes the index. */
export class ShardedCacheWriter {
  readonly path: string;
  private readonly header: ActivationCacheHeader;
  private readonly shardBytes: number;
  private current: ActivationCacheWriter | null = null;
  private readonly shards: ShardsIndex["shards"] = [];
  rows = 0;
  blocks = 0;
  storedBytes = 0;

  constructor(dir: string, header: ActivationCacheHeader, shardBytes: number) {
    this.path = dir;
    this.header = header;
    this.shardBytes = shardBytes;
    if (existsSync(join(dir, INDEX))) rmSync(join(dir, INDEX));
    mkdirSync(dir, { recursive: true });
  }

  private closeShard(): void {
    if (!this.current) return;
    this.current.finish();
    this.current = null;
  }

  /** rows [n, d_in] */
  append(rows: Float32Array, n: number): void {
    if (!this.current) {
      const file = `shard-${String(this.shards.length).padStart(5, "0")}.sae-acts`;
      this.current = new ActivationCacheWriter(join(this.path, file), this.header);
      this.shards.push({ file, blocks: 0, rows: 0 });
    }
    const before = this.current.storedBytes;
    this.current.append(rows, n);
    const s = this.shards[this.shards.length - 1];
    s.blocks++;
    s.rows += n;
    this.rows += n;
    this.blocks++;
    this.storedBytes += this.current.storedBytes - before;
    if (this.current.storedBytes >= this.shardBytes) this.closeShard();
  }

  finish(): ShardsIndex {
    this.closeShard();
    const idx: ShardsIndex = {
      format: SHARDS_FORMAT,
      header: this.header,
      shards: this.shards,
      blocks: this.blocks,
      rows: this.rows,
    };
    writeFileSync(join(this.path, INDEX), `${JSON.stringify(idx, null, 2)}\n`);
    return idx;
  }

  abort(): void {
    this.current?.abort();
    this.current = null;
  }
}

/** The shards of a folder as one stream of blocks (cycling at the end). */
export class ShardedCacheReader implements ActivationBlocks {
  readonly path: string;
  readonly header: ActivationCacheHeader;
  readonly index: ShardsIndex;
  private shard = 0;
  private left: number;
  private reader: ActivationCacheReader;

  constructor(dir: string) {
    this.path = dir;
    this.index = readShardsIndex(dir);
    this.header = this.index.header;
    this.reader = new ActivationCacheReader(join(dir, this.index.shards[0].file));
    this.left = this.index.shards[0].blocks;
  }

  private advance(): void {
    while (this.left === 0) {
      this.reader.close();
      this.shard = (this.shard + 1) % this.index.shards.length;
      this.reader = new ActivationCacheReader(join(this.path, this.index.shards[this.shard].file));
      this.left = this.index.shards[this.shard].blocks;
    }
  }

  nextBlock(): { rows: number; data: Float32Array } {
    this.advance();
    this.left--;
    return this.reader.nextBlock();
  }

  skip(n: number): void {
    for (let i = 0; i < n; i++) {
      this.advance();
      this.left--;
      this.reader.skip(1);
    }
  }

  close(): void {
    this.reader.close();
  }
}

/** A reader for a cache file or shard folder. */
export function openActivationCache(path: string): ActivationBlocks {
  return isShardedCache(path) ? new ShardedCacheReader(path) : new ActivationCacheReader(path);
}

/** cacheMatches for a file or a shard folder: true when it is finished and written for the same run. */
export function anyCacheMatches(path: string, want: ActivationCacheHeader): boolean {
  if (!isShardedCache(path)) return cacheMatches(path, want);
  const h = readShardsIndex(path).header; // a folder without its index is an unfinished cache: an error, not a miss
  const keys = Object.keys(want) as (keyof ActivationCacheHeader)[];
  const diff = keys.filter((k) => h[k] !== want[k]);
  if (diff.length) {
    const what = diff.map((k) => `${k} ${JSON.stringify(h[k])} != ${JSON.stringify(want[k])}`).join(", ");
    throw new FormatError(`activation cache ${path} was written for another run: ${what}`);
  }
  return true;
}
