/**
 * A small SVG line chart of amounts over time (the pool's funded and claimed, an artifact's earnings), drawn
 * without a chart library: the series are a few hundred points at most (the index thins them), and an SVG keeps
 * each point in the page with its value as a tooltip, like the lineage graph.
 */
import { formatUnits } from "ethers";

import { esc } from "./core";

export interface Series {
  name: string;
  /** CSS class of the line and its points (`funded`, `claimed`, …); colours are in app.css. */
  cls: string;
  /** Unix seconds → base units. */
  points: { t: number; v: bigint }[];
}

const W = 640;
const H = 220;
const PAD = { left: 112, right: 16, top: 14, bottom: 28 };

/** `12.5 COMM`: 4 decimals at most, none from 1,000 on, for axes and tooltips. */
function label(v: bigint, decimals: number, symbol: string): string {
  const [whole, frac = ""] = formatUnits(v, decimals).split(".");
  const f = whole.length > 3 ? "" : frac.slice(0, 4).replace(/0+$/, "");
  return `${whole}${f ? `.${f}` : ""} ${symbol}`;
}

const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");

/**
 * The chart as an SVG string: time on x, amount on y (from zero), one polyline per series drawn as steps
 * when `step` (totals that jump at events) and a circle per point with its time and value as a title.
 */
export function lineChart(
  series: Series[],
  token: { decimals: number; symbol: string },
  { step = false, title = "" }: { step?: boolean; title?: string } = {},
): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="muted">nothing yet</p>`;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1);
  const max = all.reduce((m, p) => (p.v > m ? p.v : m), 0n);
  const top = max || 1n;
  // The share of the top value, to a millionth, only for drawing; labels use the exact bigints.
  const y = (v: bigint) =>
    Math.round((PAD.top + (H - PAD.top - PAD.bottom) * (1 - Number((v * 1_000_000n) / top) / 1e6)) * 10) / 10;
  const x = (t: number) =>
    Math.round((PAD.left + ((W - PAD.left - PAD.right) * (t - t0)) / (t1 - t0)) * 10) / 10;
  const ticks = (max === 0n ? [0n] : [0n, top / 2n, top])
    .map(
      (v) =>
        `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"/>` +
        `<text class="tick" x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${esc(label(v, token.decimals, token.symbol))}</text>`,
    )
    .join("");
  const xTicks =
    `<text class="tick" x="${PAD.left}" y="${H - 8}">${day(t0)}</text>` +
    `<text class="tick" x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${day(t1)}</text>`;
  const lines = series
    .map((s) => {
      const pts: string[] = [];
      s.points.forEach((p, i) => {
        if (step && i > 0) pts.push(`${x(p.t)},${y(s.points[i - 1].v)}`);
        pts.push(`${x(p.t)},${y(p.v)}`);
      });
      const dots = s.points
        .map(
          (p) =>
            `<circle class="point ${esc(s.cls)}" cx="${x(p.t)}" cy="${y(p.v)}" r="3">` +
            `<title>${esc(s.name)}: ${esc(label(p.v, token.decimals, token.symbol))} at ${day(p.t)}</title></circle>`,
        )
        .join("");
      return `<g class="series ${esc(s.cls)}" data-points="${s.points.length}"><polyline class="line ${esc(s.cls)}" points="${pts.join(" ")}"/>${dots}</g>`;
    })
    .join("");
  const legend = series.map((s) => `<span class="legend ${esc(s.cls)}">${esc(s.name)}</span>`).join(" ");
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `${ticks}${xTicks}${lines}</svg><div class="legends">${legend}</div>`
  );
}
