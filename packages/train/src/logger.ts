// Metrics sinks: the JSONL file every run writes (one JSON object per line: {"type":"step"|"eval"|"config", ...})
// and the interface for an optional experiment tracker (wandb-like: init with the config, log by step, finish).
// Trackers are supplied by the caller; nothing here talks to a network.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface MetricsLogger {
  init?(config: Record<string, unknown>): void | Promise<void>;
  log(record: Record<string, unknown>, step: number): void | Promise<void>;
  finish?(): void | Promise<void>;
}

/** Appends one JSON line per record; `resume` keeps the existing file. */
export class JsonlLogger implements MetricsLogger {
  readonly path: string;

  constructor(path: string, resume = false) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    if (!resume) writeFileSync(path, "");
  }

  log(record: Record<string, unknown>, step: number): void {
    appendFileSync(this.path, `${JSON.stringify({ step, ...record })}\n`);
  }
}
