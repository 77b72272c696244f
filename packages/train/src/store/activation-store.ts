// The activation store: a CPU shuffle buffer of n_batches_in_buffer model batches that serves seeded-shuffled
// [train_batch_size_tokens, d_in] batches. When fewer than half the buffer (or one batch) of rows is left, it tops
// the buffer up from its producer and reshuffles old and new rows together (a mixing buffer, as in SAELens).
// Its state (unserved rows, rng state, blocks produced, scale factor) is saved with the trainer state for exact resume.
import { Rng } from "@sae/tensor-core";
import { DatasetError } from "../errors.ts";
import type { BlockProducer } from "./producers.ts";

export interface StoreOptions {
  trainBatchTokens: number;
  /** Rows the buffer holds when full: n_batches_in_buffer * store_batch_size_prompts * context_size. */
  capacity: number;
  seed: number;
  /** expected_average_only_in: scale rows so their mean L2 norm is sqrt(d_in) (factor estimated on the first fill). */
  normalize: "none" | "expected_average_only_in";
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
  }

  private async refill(): Promise<void> {
    const d = this.dIn;
    const target = Math.max(this.opts.capacity, this.opts.trainBatchTokens);
    let empty = 0;
    while (this.count < target) {
      const b = await this.producer.next();
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
    if (this.count < Math.max(n, Math.floor(this.opts.capacity / 2))) await this.refill();
    const d = this.dIn;
    const start = (this.count - n) * d;
    this.batchOut.set(this.buf.subarray(start, start + n * d));
    this.count -= n;
    if (this.scaleFactor !== 1) for (let i = 0; i < this.batchOut.length; i++) this.batchOut[i] *= this.scaleFactor;
    this.served += n;
    return this.batchOut;
  }

  /** The first rows the store would train on, unscaled, without consuming them (b_dec init, scale estimate). */
  async peek(rows: number): Promise<Float32Array> {
    if (this.count < rows) await this.refill();
    const r = Math.min(rows, this.count);
    return this.buf.slice((this.count - r) * this.dIn, this.count * this.dIn);
  }

  state(): StoreState {
    return { rows: this.buf.slice(0, this.count * this.dIn), count: this.count, rng: this.rng.state, blocks: this.producer.blocks, scaleFactor: this.scaleFactor, served: this.served };
  }

  /** Puts the store back where state() was taken: skips the producer to the same block, restores the rows. */
  restore(s: StoreState): void {
    const already = this.producer.blocks;
    if (already > s.blocks) throw new DatasetError(`activation store: cannot restore to block ${s.blocks}, producer is at ${already}`);
    this.producer.skip(s.blocks - already);
    this.buf.set(s.rows.subarray(0, s.count * this.dIn));
    this.count = s.count;
    this.rng.state = s.rng;
    this.scaleFactor = s.scaleFactor;
    this.scaleKnown = true;
    this.served = s.served;
  }

  close(): void {
    this.producer.close();
  }
}
