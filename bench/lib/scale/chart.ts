/**
 * A small SVG line chart writer: panels side by side, each with a categorical x axis (data
 * sizes), a linear y axis, one polyline per series, a dashed guide line (a target) and a legend.
 * Pure: the same spec gives the same text.
 */

export interface ChartSeries {
  name: string;
  /** One value per x category; null where the scenario did not run */
  values: Array<number | null>;
}

export interface ChartPanel {
  title: string;
  /** Axis label, e.g. "% of empty database" */
  unit: string;
  series: ChartSeries[];
  /** A target drawn as a dashed line */
  guide?: { value: number; label: string };
}

export interface ChartSpec {
  title: string;
  /** X categories, e.g. ["0", "100k", "1M"] */
  categories: string[];
  panels: ChartPanel[];
}

const PANEL_WIDTH = 380;
const PANEL_HEIGHT = 260;
const MARGIN = { top: 56, left: 56, right: 16, bottom: 44 };
const LEGEND_ROW = 16;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"];

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Round axis bounds and about five ticks covering the values and the guide. */
export function axisTicks(values: number[]): number[] {
  const max = Math.max(1, ...values);
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + step * 0.999; tick += step) ticks.push(Number(tick.toPrecision(6)));
  return ticks;
}

function panel(spec: ChartSpec, p: ChartPanel, x0: number, names: string[]): string {
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = p.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const ticks = axisTicks(p.guide ? [...values, p.guide.value] : values);
  const top = ticks.at(-1)!;
  const n = spec.categories.length;
  const xOf = (i: number) => x0 + MARGIN.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const yOf = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const parts: string[] = [
    `<g class="panel">`,
    `<text x="${x0 + PANEL_WIDTH / 2}" y="${MARGIN.top - 14}" text-anchor="middle" font-weight="bold">${
      escapeXml(p.title)
    }</text>`,
    `<text x="${x0 + 12}" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 ${x0 + 12} ${
      MARGIN.top + plotH / 2
    })" text-anchor="middle" font-size="10">${escapeXml(p.unit)}</text>`,
  ];
  for (const tick of ticks) {
    const y = yOf(tick);
    parts.push(
      `<line x1="${x0 + MARGIN.left}" y1="${y}" x2="${x0 + MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${x0 + MARGIN.left - 6}" y="${y + 3}" text-anchor="end" font-size="10">${fmt(tick)}</text>`,
    );
  }
  spec.categories.forEach((category, i) => {
    parts.push(
      `<text x="${xOf(i)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="10">${
        escapeXml(category)
      }</text>`,
    );
  });
  parts.push(
    `<text x="${x0 + MARGIN.left + plotW / 2}" y="${
      MARGIN.top + plotH + 32
    }" text-anchor="middle" font-size="10">users</text>`,
  );
  if (p.guide) {
    const y = yOf(p.guide.value);
    parts.push(
      `<line x1="${x0 + MARGIN.left}" y1="${y}" x2="${
        x0 + MARGIN.left + plotW
      }" y2="${y}" stroke="#555" stroke-dasharray="4 3"/>`,
      `<text x="${x0 + MARGIN.left + plotW}" y="${y - 4}" text-anchor="end" font-size="9" fill="#555">${
        escapeXml(p.guide.label)
      }</text>`,
    );
  }
  for (const series of p.series) {
    const color = COLORS[names.indexOf(series.name) % COLORS.length];
    const points = series.values
      .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`))
      .filter((point): point is string => point !== null);
    if (points.length === 0) continue;
    parts.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}">` +
        `<title>${escapeXml(series.name)}</title></polyline>`,
    );
    for (const point of points) {
      const [x, y] = point.split(",");
      parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${color}"/>`);
    }
  }
  parts.push(`</g>`);
  return parts.join("\n");
}

/** The chart as a standalone SVG document. */
export function renderChart(spec: ChartSpec): string {
  const names = [...new Set(spec.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const width = PANEL_WIDTH * spec.panels.length;
  const legendRows = Math.ceil(names.length / 3);
  const height = PANEL_HEIGHT + 16 + legendRows * LEGEND_ROW;
  const legend = names.map((name, i) => {
    const x = 16 + (i % 3) * (width / 3);
    const y = PANEL_HEIGHT + 12 + Math.floor(i / 3) * LEGEND_ROW;
    return `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${x + 14}" y="${y + 1}" font-size="11">${escapeXml(name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${
      escapeXml(spec.title)
    }</text>`,
    ...spec.panels.map((p, i) => panel(spec, p, i * PANEL_WIDTH, names)),
    ...legend,
    `</svg>`,
    "",
  ].join("\n");
}
