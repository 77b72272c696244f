// The activation store: a CPU shuffle buffer of n_batches_in_buffer model batches that serves seeded-shuffled
// [train_batch_size_tokens, d_in] batches. When fewer than half the buffer (or one batch) of rows is left, it tops
// the buffer up from its producer and reshuffles old and new rows together (a mixing buffer, as in SAELens).
// Its state (unserved rows, rng state, blocks produced, scale factor) is saved with the trainer state for exact resume.
// Prefetch (on unless `prefetch: false`): after each served batch the store asks the producer for the next block in
// the background, one at a time and chained, up to the rows the next top-up will take, so the model's forward is
// queued on the device while the SAE trains instead of after it. Blocks still enter the buffer only at the top-up,
// in production order, so the batches are the same with or without it (tested); drain() before closing the producer.
import { Rng } from "@sae/tensor-core";
import { DatasetError } from "../errors.ts";
import type { Block, BlockProducer } from "./producers.ts";
import { Throughput } from "./throughput.ts";

export interface StoreOptions {
  trainBatchTokens: number;
  /** Rows the buffer holds when full: n_batches_in_buffer * store_batch_size_prompts * context_size. */
  capacity: number;
  seed: number;
  /** expected_average_only_in: scale rows so their mean L2 norm is sqrt(d_in) (factor estimated on the first fill). */
  normalize: "none" | "expected_average_only_in";
  /** Produce the next blocks while the caller trains (default true). */
  prefetch?: boolean;
}

export interface StoreState {
  rows: Float32Array; // [count, d_in] unserved rows (before scaling)
  count: number;
  rng: number;
  blocks: number;
  scaleFactor: number;
  served: number;
}

export class ActivationStore {
  readonly dIn: number;
  private readonly producer: BlockProducer;
  private readonly opts: StoreOptions;
  private buf: Float32Array; // [capacity + maxRows, d_in]
  private count = 0;
  private rng: Rng;
  private readonly batchOut: Float32Array; // [train_batch, d_in], reused
  private readonly tmp: Float32Array;
  /** 1 unless normalize is expected_average_only_in. */
  scaleFactor = 1;
  private scaleKnown = false;
  /** Training rows served so far. */
  served = 0;
  /** Model vs SAE rates (the progress line). */
  readonly throughput = new Throughput();
  /** Producer blocks before this store's first (restore moves it), plus blocks moved into the buffer since. */
  private blocksBase: number;
  private blocksUsed = 0;
  /** Prefetched blocks (copies), oldest first, not yet in the buffer. */
  private staged: Block[] = [];
  private stagedRows = 0;
  private inflight: Promise<void> | null = null;
  private failure: unknown = null;
  private stopped = false;

  constructor(producer: BlockProducer, opts: StoreOptions) {
    this.producer = producer;
    this.opts = opts;
    this.dIn = producer.dIn;
    const cap = Math.max(opts.capacity, opts.trainBatchTokens) + producer.maxRows;
    this.buf = new Float32Array(cap * this.dIn);
    this.rng = new Rng(opts.seed);
    this.batchOut = new Float32Array(opts.trainBatchTokens * this.dIn);
    this.tmp = new Float32Array(this.dIn);
    this.scaleKnown = opts.normalize === "none";
    this.blocksBase = producer.blocks;
  }

  private get target(): number {
    return Math.max(this.opts.capacity, this.opts.trainBatchTokens);
  }

  /** Below this many rows, nextBatch tops the buffer up. */
  private get threshold(): number {
    return Math.max(this.opts.trainBatchTokens, Math.floor(this.opts.capacity / 2));
  }

  /** Starts producing one block in the background unless one is running or enough rows are staged. */
  private prefetch(force = false): void {
    if (this.inflight || this.failure) return;
    const enough = this.stagedRows >= Math.max(this.target - this.threshold, this.opts.trainBatchTokens);
    if (!force && (this.stopped || this.opts.prefetch === false || enough)) return;
    const since = this.throughput.clock();
    this.inflight = this.producer.next().then(
      (b) => {
        this.staged.push({ rows: b.rows, data: b.data.slice(0, b.rows * this.dIn) });
        this.stagedRows += b.rows;
        this.throughput.produced(b.rows, since);
        this.inflight = null;
        if (!force) this.prefetch();
      },
      (e) => {
        this.failure = e;
        this.inflight = null;
      },
    );
  }

  /** The oldest staged block, producing one now when none is staged. */
  private async takeBlock(): Promise<Block> {
    while (this.staged.length === 0) {
      if (this.failure) throw this.failure;
      const since = this.throughput.clock();
      if (!this.inflight) this.prefetch(true);
      await this.inflight;
      this.throughput.waited(since);
    }
    const b = this.staged.shift()!;
    this.stagedRows -= b.rows;
    this.blocksUsed++;
    return b;
  }

  private async refill(): Promise<void> {
    const d = this.dIn;
    let empty = 0;
    while (this.count < this.target) {
      const b = await this.takeBlock();
      if (b.rows === 0 && ++empty > 1000) throw new DatasetError(`activation store: 1000 model batches in a row gave no usable positions (all BOS/pad?)`);
      this.buf.set(b.data.subarray(0, b.rows * d), this.count * d);
      this.count += b.rows;
    }
    if (!this.scaleKnown) {
      let sum = 0;
      for (let r = 0; r < this.count; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += this.buf[r * d + c] ** 2;
        sum += Math.sqrt(s);
      }
      this.scaleFactor = Math.sqrt(d) / (sum / this.count);
      this.scaleKnown = true;
    }
    for (let i = this.count - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      if (i === j) continue;
      this.tmp.set(this.buf.subarray(i * d, (i + 1) * d));
      this.buf.copyWithin(i * d, j * d, (j + 1) * d);
      this.buf.set(this.tmp, j * d);
    }
  }

  /** The next training batch [train_batch_size_tokens, d_in]; the returned array is reused by the next call. */
  async nextBatch(): Promise<Float32Array> {
    const n = this.opts.trainBatchTokens;
    if (this.count < this.threshold) await this.refill();
    const d = this.dIn;
    const start = (this.count - n) * d;
    this.batchOut.set(this.buf.subarray(start, start + n * d));
    this.count -= n;
    if (this.scaleFactor !== 1) for (let i = 0; i < this.batchOut.length; i++) this.batchOut[i] *= this.scaleFactor;
    this.served += n;
    this.prefetch();
    return this.batchOut;
  }

  /** The first rows the store would train on, unscaled, without consuming them (b_dec init, scale estimate). */
  async peek(rows: number): Promise<Float32Array> {
    if (this.count < rows) await this.refill();
    const r = Math.min(rows, this.count);
    return this.buf.slice((this.count - r) * this.dIn, this.count * this.dIn);
  }

  state(): StoreState {
    // prefetched blocks (staged or in flight) are not in the state: a restored store produces them again
    const blocks = this.blocksBase + this.blocksUsed;
    const rows = this.buf.slice(0, this.count * this.dIn);
    return { rows, count: this.count, rng: this.rng.state, blocks, scaleFactor: this.scaleFactor, served: this.served };
  }

  /** Puts the store back where state() was taken: skips the producer to the same block, restores the rows. */
  restore(s: StoreState): void {
    if (this.inflight || this.staged.length || this.blocksUsed) {
      throw new DatasetError("activation store: restore() must come before the first batch");
    }
    const already = this.producer.blocks;
    if (already > s.blocks) throw new DatasetError(`activation store: cannot restore to block ${s.blocks}, producer is at ${already}`);
    this.producer.skip(s.blocks - already);
    this.blocksBase = s.blocks;
    this.buf.set(s.rows.subarray(0, s.count * this.dIn));
    this.count = s.count;
    this.rng.state = s.rng;
    this.scaleFactor = s.scaleFactor;
    this.scaleKnown = true;
    this.served = s.served;
  }

  /** Stops prefetching and waits for a block in flight (its producer may write an activation cache). */
  async drain(): Promise<void> {
    this.stopped = true;
    await this.inflight;
  }

  /** Closes the producer; call drain() first when batches were served. */
  close(): void {
    this.stopped = true;
    this.producer.close();
  }
}
