// Cuts a token source into fixed-length prompts [context_size]: documents are concatenated (separated by BOS when
// they are separate documents), each prompt is BOS + context_size-1 tokens when prepend_bos is set. The first
// `holdoutPrompts` prompts are kept aside for evaluation and never served for training. At the end of the data the
// stream starts over (another epoch), skipping the held-out prompts again. State is the number of prompts served,
// so a resumed run can fast-forward to the same place.
import { DatasetError } from "../errors.ts";
import type { TokenSource } from "./sources.ts";

export interface PromptOptions {
  contextSize: number;
  prependBos: boolean;
  bosTokenId: number;
  holdoutPrompts: number;
  /** JSONL-like sources hold separate documents; BOS is put between them. */
  separateDocs?: boolean;
  /** One epoch must hold at least this many training prompts (one store batch), else a DatasetError. */
  minTrainPrompts?: number;
}

export class PromptStream {
  private readonly source: TokenSource;
  private readonly opts: PromptOptions;
  private carry = new Int32Array(0);
  private readonly body: number;
  private readonly heldOut: Int32Array[] = [];
  /** Training prompts served since the start (over all epochs). */
  served = 0;
  epoch = 0;

  constructor(source: TokenSource, opts: PromptOptions) {
    if (opts.contextSize < 2 && opts.prependBos) throw new DatasetError(`context_size ${opts.contextSize} leaves no room after BOS`);
    this.source = source;
    this.opts = opts;
    this.body = opts.prependBos ? opts.contextSize - 1 : opts.contextSize;
    for (let i = 0; i < opts.holdoutPrompts; i++) {
      const p = this.cut();
      if (!p) throw new DatasetError(`${source.description}: too short: it holds ${i} prompts of ${opts.contextSize} tokens, fewer than the ${opts.holdoutPrompts} held out for evaluation plus one training batch`);
      this.heldOut.push(p);
    }
  }

  /** The held-out evaluation prompts, each [context_size]. */
  holdout(): Int32Array[] {
    return this.heldOut;
  }

  private cut(): Int32Array | null {
    while (this.carry.length < this.body) {
      const doc = this.source.nextDoc();
      if (doc === null) return null;
      if (doc.length === 0) continue;
      const sep = this.opts.separateDocs && this.carry.length > 0 ? 1 : 0;
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
  next(): Int32Array {
    let p = this.cut();
    if (!p) {
      const need = this.opts.minTrainPrompts ?? 1;
      if (this.epoch === 0 && this.served < need) {
        throw new DatasetError(`${this.source.description}: too short for one batch: it holds ${this.served} training prompts of ${this.opts.contextSize} tokens after the ${this.opts.holdoutPrompts} held-out ones; one batch needs ${need}`);
      }
      this.source.reset();
      this.carry = new Int32Array(0);
      this.epoch++;
      for (let i = 0; i < this.opts.holdoutPrompts; i++) this.cut();
      p = this.cut();
      if (!p) throw new DatasetError(`${this.source.description}: too short: no training prompt of ${this.opts.contextSize} tokens is left after the ${this.opts.holdoutPrompts} held-out prompts`);
    }
    this.served++;
    return p;
  }

  /** Fills out [n, context_size] with the next n prompts. */
  nextBatch(n: number, out: Int32Array): Int32Array {
    for (let i = 0; i < n; i++) out.set(this.next(), i * this.opts.contextSize);
    return out;
  }

  /** Discards n training prompts (resume). */
  skip(n: number): void {
    for (let i = 0; i < n; i++) this.next();
  }

  close(): void {
    this.source.close();
  }
}
