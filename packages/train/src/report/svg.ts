// Inline SVG charts for the HTML report: a line chart (one or more series over a shared x axis, optional log y)
// and a bar chart for histograms. Plain strings, no dependencies; values are escaped where they become text.

export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  color: string;
}

const W = 560;
const H = 220;
const PAD = { l: 56, r: 12, t: 24, b: 32 };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function tick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

function extent(vals: number[]): [number, number] {
  const f = vals.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  let lo = Math.min(...f);
  let hi = Math.max(...f);
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  return [lo, hi];
}

/** A line chart; with logY, y values <= 0 are dropped and the axis is log10. */
export function lineChart(title: string, series: readonly Series[], opts: { logY?: boolean; xLabel?: string } = {}): string {
  const tf = (y: number) => (opts.logY ? Math.log10(y) : y);
  const keep = (y: number) => Number.isFinite(y) && (!opts.logY || y > 0);
  const [x0, x1] = extent(series.flatMap((s) => [...s.xs]));
  const [y0, y1] = extent(series.flatMap((s) => s.ys.filter(keep).map(tf)));
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((tf(y) - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const paths = series.map((s) => {
    const pts = s.xs.map((x, i) => [x, s.ys[i]] as const).filter(([, y]) => keep(y));
    const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`;
  });
  const yt = [0, 0.5, 1].map((f) => y0 + f * (y1 - y0));
  const ticks = yt.map((v) => {
    const y = H - PAD.b - ((v - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
    return `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${PAD.l - 4}" y="${y + 4}" text-anchor="end">${tick(opts.logY ? 10 ** v : v)}</text>`;
  });
  const legend = series.map((s, i) => `<text x="${PAD.l + 8 + i * 150}" y="${PAD.t - 8}" fill="${s.color}">${escapeHtml(s.name)}</text>`);
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif" role="img">
${ticks.join("")}<text x="${PAD.l}" y="${H - 8}">${tick(x0)}</text><text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">${tick(x1)} ${escapeHtml(opts.xLabel ?? "")}</text>
${paths.join("\n")}${legend.join("")}</svg></figure>`;
}

/** Bars over bin edges (e.g. log10 feature density). */
export function barChart(title: string, edges: readonly number[], counts: readonly number[], xLabel: string): string {
  const max = Math.max(1, ...counts);
  const bw = (W - PAD.l - PAD.r) / counts.length;
  const bars = counts.map((c, i) => {
    const h = (c / max) * (H - PAD.t - PAD.b);
    return `<rect x="${(PAD.l + i * bw).toFixed(1)}" y="${(H - PAD.b - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7bd0"><title>[${tick(edges[i])}, ${tick(edges[i + 1])}): ${c}</title></rect>`;
  });
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif" role="img">
<text x="${PAD.l - 4}" y="${PAD.t + 4}" text-anchor="end">${max}</text><text x="${PAD.l - 4}" y="${H - PAD.b}" text-anchor="end">0</text>
${bars.join("\n")}<text x="${PAD.l}" y="${H - 8}">${tick(edges[0])}</text><text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">${tick(edges[edges.length - 1])} ${escapeHtml(xLabel)}</text></svg></figure>`;
}
