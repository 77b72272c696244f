// Block producers feed the activation store one model batch at a time: either by running the model over the next
// store_batch_size_prompts prompts (dropping BOS/pad positions, optionally appending to an activation cache) or by
// reading the next block of an activation cache. Both can skip blocks without computing them (resume).
import { DatasetError } from "../errors.ts";
import type { PromptStream } from "../data/prompts.ts";
import type { ActivationCacheWriter } from "./activation-cache.ts";
import type { ActivationBlocks } from "./cache-shards.ts";

/** The model side: activations at one hook for a batch of prompts, read back to the CPU. */
export interface HookActivations {
  readonly dIn: number;
  /** tokens [batch, pos] -> activations [batch * pos * d_in] (row b*pos+p is token (b, p)). */
  run(tokens: Int32Array, batch: number, pos: number): Promise<Float32Array>;
}

export interface Block {
  rows: number;
  data: Float32Array; // [rows, d_in]
}

export interface BlockProducer {
  readonly dIn: number;
  /** Blocks produced or skipped so far. */
  readonly blocks: number;
  /** The largest block this producer can return (rows). */
  readonly maxRows: number;
  next(): Promise<Block>;
  skip(n: number): void;
  close(): void;
}

export interface ModelProducerOptions {
  contextSize: number;
  storeBatchPrompts: number;
  /** Token ids whose positions are dropped (BOS, pad) when exclude_special_tokens is set. */
  excludeIds: readonly number[];
  cacheWriter?: Pick<ActivationCacheWriter, "append">;
}

export class ModelProducer implements BlockProducer {
  readonly dIn: number;
  readonly maxRows: number;
  blocks = 0;
  private readonly model: HookActivations;
  private readonly prompts: PromptStream;
  private readonly opts: ModelProducerOptions;
  private readonly tokens: Int32Array; // [batch, pos]
  /** Prompts skip() owes the stream (skipped on the next next(): the prompt stream is async). */
  private toSkip = 0;

  constructor(model: HookActivations, prompts: PromptStream, opts: ModelProducerOptions) {
    this.model = model;
    this.prompts = prompts;
    this.opts = opts;
    this.dIn = model.dIn;
    this.maxRows = opts.storeBatchPrompts * opts.contextSize;
    this.tokens = new Int32Array(this.maxRows);
  }

  async next(): Promise<Block> {
    const { storeBatchPrompts: batch, contextSize: pos, excludeIds } = this.opts;
    await this.prompts.skip(this.toSkip);
    this.toSkip = 0;
    await this.prompts.nextBatch(batch, this.tokens);
    const acts = await this.model.run(this.tokens, batch, pos);
    const d = this.dIn;
    if (acts.length !== batch * pos * d) throw new DatasetError(`hook activations: got ${acts.length} values, expected [${batch}, ${pos}, ${d}]`);
    let rows = 0;
    for (let t = 0; t < batch * pos; t++) {
      if (excludeIds.includes(this.tokens[t])) continue;
      if (rows !== t) acts.copyWithin(rows * d, t * d, (t + 1) * d);
      rows++;
    }
    this.blocks++;
    this.opts.cacheWriter?.append(acts, rows);
    return { rows, data: acts.subarray(0, rows * d) };
  }

  skip(n: number): void {
    this.toSkip += n * this.opts.storeBatchPrompts;
    this.blocks += n;
  }

  close(): void {
    this.prompts.close();
  }
}

export class CacheProducer implements BlockProducer {
  readonly dIn: number;
  readonly maxRows: number;
  blocks = 0;
  private readonly reader: ActivationBlocks;

  constructor(reader: ActivationBlocks, maxRows: number) {
    this.reader = reader;
    this.dIn = reader.header.d_in;
    this.maxRows = maxRows;
  }

  async next(): Promise<Block> {
    const b = this.reader.nextBlock();
    if (b.rows > this.maxRows) throw new DatasetError(`activation cache ${this.reader.path}: block of ${b.rows} rows exceeds store batch ${this.maxRows}`);
    this.blocks++;
    return b;
  }

  skip(n: number): void {
    this.reader.skip(n);
    this.blocks += n;
  }

  close(): void {
    this.reader.close();
  }
}
