// Throughput bookkeeping for the progress line: how fast the model produces activations and how fast the SAE
// trains on them, measured separately so a user sees which of the two bounds the run. The activation store feeds it
// (producer busy intervals, the time a consumer waited for rows); the caller reads windows of it.
// model tok/s = rows produced / ms the producer was busy. The model shares the device with the SAE, so when a
// prefetched block runs while SAE steps are queued its busy time includes theirs: a lower bound on the model alone.
// sae tok/s = tokens trained / (wall ms - ms the trainer waited for activations): the rate if activations were free.

export interface Rates {
  /** Activation rows produced per second the producer was busy (the previous window's when none were produced in
   * this one: with a full buffer the producer rests for a few steps; 0 before any block). */
  modelTokensPerS: number;
  /** Tokens trained per second not spent waiting for activations. */
  saeTokensPerS: number;
  /** Fraction of the window's wall time the trainer waited for activations. */
  waitFraction: number;
}

export class Throughput {
  private readonly now: () => number;
  private producedRows = 0;
  private busyMs = 0;
  private waitMs = 0;
  private lastModel = 0;
  private mark: { at: number; rows: number; busy: number; wait: number; trained: number };

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.mark = { at: now(), rows: 0, busy: 0, wait: 0, trained: 0 };
  }

  /** The producer returned `rows` rows after being busy since `since` (a this.now() reading). */
  produced(rows: number, since: number): void {
    this.producedRows += rows;
    this.busyMs += this.now() - since;
  }

  /** The consumer waited for rows since `since`. */
  waited(since: number): void {
    this.waitMs += this.now() - since;
  }

  clock(): number {
    return this.now();
  }

  /** Rates since the previous call (or construction); `trained` is the total tokens trained so far. */
  window(trained: number): Rates {
    const at = this.now();
    const m = this.mark;
    const wall = at - m.at;
    const busy = this.busyMs - m.busy;
    const wait = this.waitMs - m.wait;
    this.mark = { at, rows: this.producedRows, busy: this.busyMs, wait: this.waitMs, trained };
    if (busy > 0) this.lastModel = ((this.producedRows - m.rows) * 1000) / busy;
    return {
      modelTokensPerS: this.lastModel,
      saeTokensPerS: wall - wait > 0 ? ((trained - m.trained) * 1000) / (wall - wait) : 0,
      waitFraction: wall > 0 ? Math.min(1, wait / wall) : 0,
    };
  }
}
