// Metrics sinks: the JSONL file every run writes (one JSON object per line: {"type":"step"|"eval"|"config", ...})
// and the interface for an optional experiment tracker (wandb-like: init with the config, log by step, finish).
// Trackers are supplied by the caller; nothing here talks to a network. A resumed run keeps one consistent file:
// the lines up to the resumed step stay, the killed trajectory's later lines (and a half-written last line) go.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "./durable.ts";
import type { StepMetrics } from "./trainer.ts";

export interface MetricsLogger {
  init?(config: Record<string, unknown>): void | Promise<void>;
  log(record: Record<string, unknown>, step: number): void | Promise<void>;
  finish?(): void | Promise<void>;
}

/** The parsed records of a metrics JSONL file; lines that do not parse (a line cut by a kill) are left out. */
export function readRecords(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    try {
      const r = JSON.parse(line);
      if (r && typeof r === "object" && typeof r.step === "number") out.push(r);
    } catch {
      // a partial line from a killed process
    }
  }
  return out;
}

/** The "step" records of a metrics file as StepMetrics (the report of a resumed run draws the whole run). */
export function readStepMetrics(path: string): StepMetrics[] {
  return readRecords(path)
    .filter((r) => r.type === "step")
    .map(({ type: _, ...m }) => m as unknown as StepMetrics);
}

/**
 * Appends one JSON line per record. `resumeAtStep` (a resumed run) keeps the existing file's records up to that step
 * and drops the rest, rewriting it atomically; without it the file starts empty.
 */
export class JsonlLogger implements MetricsLogger {
  readonly path: string;

  constructor(path: string, resumeAtStep: number | null = null) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    if (resumeAtStep === null) writeFileSync(path, "");
    else {
      const kept = readRecords(path).filter((r) => (r.step as number) <= resumeAtStep);
      writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    }
  }

  log(record: Record<string, unknown>, step: number): void {
    appendFileSync(this.path, `${JSON.stringify({ step, ...record })}\n`);
  }
}
