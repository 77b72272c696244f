// Cuts a token source into fixed-length prompts [context_size]: documents are concatenated (separated by BOS when
// they are separate documents), each prompt is BOS + context_size-1 tokens when prepend_bos is set. The first
// `holdoutPrompts` prompts are kept aside for evaluation and never served for training. At the end of the data the
// stream starts over (another epoch), skipping the held-out prompts again. State is the number of prompts served,
// so a resumed run can fast-forward to the same place. Async, because a source may stream from the hub: the held-out
// prompts are cut on the first call (holdout(), next(), nextBatch(), skip()). A source whose documents are prompts
// (pretokenized rows) gives one prompt per document, truncated to context_size, with nothing added.
import { DatasetError } from "../errors.ts";
import type { TokenSource } from "./sources.ts";

export interface PromptOptions {
  contextSize: number;
  prependBos: boolean;
  bosTokenId: number;
  holdoutPrompts: number;
  /** Separate documents get BOS between them (default: the source's separateDocs). */
  separateDocs?: boolean;
  /** One epoch must hold at least this many training prompts (one store batch), else a DatasetError. */
  minTrainPrompts?: number;
}

export class PromptStream {
  private readonly source: TokenSource;
  private readonly opts: PromptOptions;
  private carry = new Int32Array(0);
  private readonly body: number;
  private heldOut: Int32Array[] | null = null;
  /** Training prompts served since the start (over all epochs). */
  served = 0;
  epoch = 0;

  constructor(source: TokenSource, opts: PromptOptions) {
    if (opts.contextSize < 2 && opts.prependBos) throw new DatasetError(`context_size ${opts.contextSize} leaves no room after BOS`);
    this.source = source;
    this.opts = opts;
    this.body = opts.prependBos ? opts.contextSize - 1 : opts.contextSize;
  }

  /** The held-out evaluation prompts, each [context_size]. */
  async holdout(): Promise<Int32Array[]> {
    if (!this.heldOut) {
      const held: Int32Array[] = [];
      for (let i = 0; i < this.opts.holdoutPrompts; i++) {
        const p = await this.cut();
        if (!p) throw new DatasetError(`${this.source.description}: too short: it holds ${i} prompts of ${this.opts.contextSize} tokens, fewer than the ${this.opts.holdoutPrompts} held out for evaluation plus one training batch`);
        held.push(p);
      }
      this.heldOut = held;
    }
    return this.heldOut;
  }

  /** A pretokenized row as a prompt: its first context_size tokens (SAELens refuses shorter rows). */
  private row(doc: Int32Array): Int32Array {
    const ctx = this.opts.contextSize;
    if (doc.length < ctx) throw new DatasetError(`${this.source.description}: a pretokenized row holds ${doc.length} tokens, fewer than context_size ${ctx}`);
    return doc.slice(0, ctx);
  }

  private async cut(): Promise<Int32Array | null> {
    while (this.carry.length < this.body) {
      const doc = await this.source.nextDoc();
      if (doc === null) return null;
      if (this.source.rowsArePrompts) return this.row(doc);
      if (doc.length === 0) continue;
      const sep = (this.opts.separateDocs ?? this.source.separateDocs) && this.carry.length > 0 ? 1 : 0;
      const next = new Int32Array(this.carry.length + sep + doc.length);
      next.set(this.carry);
      if (sep) next[this.carry.length] = this.opts.bosTokenId;
      next.set(doc, this.carry.length + sep);
      this.carry = next;
    }
    const out = new Int32Array(this.opts.contextSize);
    const off = this.opts.prependBos ? 1 : 0;
    if (off) out[0] = this.opts.bosTokenId;
    out.set(this.carry.subarray(0, this.body), off);
    this.carry = this.carry.slice(this.body);
    return out;
  }

  /** The next training prompt [context_size]; starts a new epoch at the end of the data. */
  async next(): Promise<Int32Array> {
    await this.holdout();
    let p = await this.cut();
    if (!p) {
      const need = this.opts.minTrainPrompts ?? 1;
      if (this.epoch === 0 && this.served < need) {
        throw new DatasetError(`${this.source.description}: too short for one batch: it holds ${this.served} training prompts of ${this.opts.contextSize} tokens after the ${this.opts.holdoutPrompts} held-out ones; one batch needs ${need}`);
      }
      this.source.reset();
      this.carry = new Int32Array(0);
      this.epoch++;
      for (let i = 0; i < this.opts.holdoutPrompts; i++) await this.cut();
      p = await this.cut();
      if (!p) throw new DatasetError(`${this.source.description}: too short: no training prompt of ${this.opts.contextSize} tokens is left after the ${this.opts.holdoutPrompts} held-out prompts`);
    }
    this.served++;
    return p;
  }

  /** Fills out [n, context_size] with the next n prompts. */
  async nextBatch(n: number, out: Int32Array): Promise<Int32Array> {
    for (let i = 0; i < n; i++) out.set(await this.next(), i * this.opts.contextSize);
    return out;
  }

  /** Discards n training prompts (resume). */
  async skip(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.next();
  }

  close(): void {
    this.source.close();
  }
}
