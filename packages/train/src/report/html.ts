// The self-contained HTML training report: run summary, the evaluation table, and inline SVG charts (loss terms,
// L0, dead-feature fraction, learning rate, feature-density histogram). One file, no scripts, no external assets.
import type { EvalResult } from "../eval/evaluate.ts";
import type { StepMetrics } from "../trainer.ts";
import { barChart, escapeHtml, lineChart, type Series } from "./svg.ts";

export interface ReportInput {
  title: string;
  config: Record<string, unknown>;
  steps: readonly StepMetrics[];
  evaluation: EvalResult | null;
  checkpoint: string;
  device: string;
  seconds: number;
}

const COLORS = ["#d0453a", "#2f7d32", "#4a7bd0", "#9c27b0", "#ef8f00"];

function fmt(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(5);
  return escapeHtml(JSON.stringify(v));
}

export function renderReport(r: ReportInput): string {
  const xs = r.steps.map((m) => m.step);
  const lossNames = [...new Set(r.steps.flatMap((m) => Object.keys(m.losses)))];
  const lossSeries: Series[] = [
    { name: "loss", xs, ys: r.steps.map((m) => m.loss), color: COLORS[0] },
    ...lossNames.map((n, i) => ({ name: n, xs, ys: r.steps.map((m) => m.losses[n] ?? NaN), color: COLORS[(i + 1) % COLORS.length] })),
  ];
  const charts = [
    lineChart("Loss terms (log scale)", lossSeries, { logY: true, xLabel: "step" }),
    lineChart("L0 (active latents per token)", [{ name: "l0", xs, ys: r.steps.map((m) => m.l0), color: COLORS[2] }], { xLabel: "step" }),
    lineChart("Dead-feature fraction", [{ name: "dead", xs, ys: r.steps.map((m) => m.dead_fraction), color: COLORS[3] }], { xLabel: "step" }),
    lineChart("Learning rate", [{ name: "lr", xs, ys: r.steps.map((m) => m.lr), color: COLORS[4] }], { xLabel: "step" }),
  ];
  const ev = r.evaluation;
  if (ev) charts.push(barChart("Feature density (log10 fraction of held-out tokens)", ev.density_histogram.edges, ev.density_histogram.counts, "log10 density"));
  const evalRows = ev
    ? Object.entries(ev)
        .filter(([k]) => k !== "density_histogram")
        .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v === null ? "-" : fmt(v)}</td></tr>`)
        .join("")
    : "";
  const cfgRows = Object.entries(r.config)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${fmt(v)}</td></tr>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(r.title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}table{border-collapse:collapse;font-size:13px}
td{border-bottom:1px solid #ddd;padding:2px 10px}figure{display:inline-block;margin:8px}figcaption{font-weight:bold;font-size:13px}
.cols{display:flex;gap:3em;flex-wrap:wrap}</style></head><body>
<h1>${escapeHtml(r.title)}</h1>
<p>Checkpoint: <code>${escapeHtml(r.checkpoint)}</code><br>Device: ${escapeHtml(r.device)}<br>
Steps: ${r.steps.at(-1)?.step ?? 0}, tokens: ${r.steps.at(-1)?.tokens ?? 0}, wall time: ${r.seconds.toFixed(1)} s</p>
<div>${charts.join("\n")}</div>
<div class="cols"><div><h2>Evaluation (held-out tokens)</h2><table>${evalRows || "<tr><td>not run</td></tr>"}</table></div>
<div><h2>Config</h2><table>${cfgRows}</table></div></div>
</body></html>
`;
}
