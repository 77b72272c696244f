// A one-line terminal progress bar for anything counted: downloaded bytes, training tokens, steps.
// Shows a bar when the total is known, current/total, rate, ETA and extra fields (loss=..., l0=...).
// Silent when the stream is not a TTY or when quiet; `line()` gives the same text for logs and tests.

/** Where the bar draws: process.stderr by default. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Total count; when unknown the bar shows count and rate only. */
  total?: number;
  /** "B" formats as bytes (KiB, MiB, ...); anything else is printed after a plain count ("tok", "step"). */
  unit?: string;
  label?: string;
  quiet?: boolean;
  stream?: ProgressStream;
  /** Minimum milliseconds between redraws (finish always draws). */
  intervalMs?: number;
  /** Clock in milliseconds, injectable for tests. */
  now?: () => number;
}

export type ProgressFields = Record<string, string | number>;

const BAR_WIDTH = 24;

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Plain counts with k/M/G suffixes past 10,000. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function formatField(v: string | number): string {
  return typeof v === "number" && !Number.isInteger(v) ? (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(4) : v.toExponential(2)) : String(v);
}

export class ProgressBar {
  readonly enabled: boolean;
  total: number | undefined;
  private readonly unit: string;
  private readonly label: string;
  private readonly stream: ProgressStream | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private current = 0;
  private fields: ProgressFields = {};
  private lastDraw = -Infinity;
  private done = false;

  constructor(options: ProgressBarOptions = {}) {
    this.total = options.total;
    this.unit = options.unit ?? "";
    this.label = options.label ?? "";
    this.stream = options.stream ?? (typeof process !== "undefined" ? process.stderr : undefined);
    this.enabled = !options.quiet && this.stream?.isTTY === true;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Sets the count (and replaces the extra fields when given); redraws at most every intervalMs. */
  update(current: number, fields?: ProgressFields): void {
    this.current = current;
    if (fields) this.fields = fields;
    if (!this.enabled || this.done) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.draw();
  }

  tick(delta = 1, fields?: ProgressFields): void {
    this.update(this.current + delta, fields);
  }

  /** Draws the final state and ends the line. Later updates are ignored. */
  finish(fields?: ProgressFields): void {
    if (fields) this.fields = fields;
    if (this.enabled && !this.done) {
      this.draw();
      this.stream!.write("\n");
    }
    this.done = true;
  }

  /** The text of the bar as it would be drawn now. */
  line(): string {
    const elapsed = Math.max(1e-9, (this.now() - this.start) / 1000);
    const rate = this.current / elapsed;
    const fmt = (n: number) => (this.unit === "B" ? formatBytes(n) : formatCount(n));
    const unit = this.unit && this.unit !== "B" ? ` ${this.unit}` : "";
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    const total = this.total;
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, Math.max(0, this.current / total));
      const filled = Math.round(frac * BAR_WIDTH);
      parts.push(`[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`, `${(frac * 100).toFixed(0).padStart(3)}%`);
      parts.push(`${fmt(this.current)}/${fmt(total)}${unit}`);
      parts.push(`${fmt(rate)}${unit}/s`);
      parts.push(`ETA ${rate > 0 ? formatDuration((total - this.current) / rate) : "?"}`);
    } else {
      parts.push(`${fmt(this.current)}${unit}`, `${fmt(rate)}${unit}/s`, formatDuration(elapsed));
    }
    for (const [k, v] of Object.entries(this.fields)) parts.push(`${k}=${formatField(v)}`);
    return parts.join(" ");
  }

  private draw(): void {
    const cols = this.stream!.columns ?? 100;
    this.stream!.write(`\r${this.line().slice(0, Math.max(10, cols - 1))}\x1b[K`);
  }
}
