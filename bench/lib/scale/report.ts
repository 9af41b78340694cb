/** A scale run as plain text (terminal) and as Markdown (bench/README.md, "Scale"). */
import { BENCH_README } from "../paths.ts";
import { migrationTable, type ScaleResults, scenarioTable, sizeLabel, targetTable } from "./results.ts";

type Table = { head: string[]; rows: string[][] };

function plain(table: Table): string {
  const widths = table.head.map((cell, i) => Math.max(cell.length, ...table.rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => (cell ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(table.head), widths.map((width) => "-".repeat(width)).join("  "), ...table.rows.map(line)].join("\n");
}

function markdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(table.head), line(table.head.map(() => "---")), ...table.rows.map(line)].join("\n");
}

function seedLine(results: ScaleResults): string {
  return results.sizes.filter((size) => size.users > 0).map((size) => {
    const c = size.counts;
    return `${
      sizeLabel(size.users)
    } users (+${c.heavyUsers} heavy): ${c.sessions} sessions, ${c.refreshTokens} refresh ` +
      `tokens, ${c.securityEvents} events, ${c.mail} mail; grown in ${size.seedSeconds.toFixed(0)} s`;
  }).join(". ");
}

function machineLine(results: ScaleResults): string {
  const m = results.machine;
  const s = results.settings;
  return `${m.cpu} (${m.cores} cores), ${m.os}; Deno ${m.deno}, ${m.postgres}. ${s.repetitions} × ${s.durationSeconds} s ` +
    `per scenario after ${s.warmupSeconds} s warm-up, ${s.httpConnections} connections; bcrypt cost ${s.bcryptCost}.`;
}

export function renderScaleText(results: ScaleResults): string {
  return [
    "req/s · p99 ms at each size (ratio of req/s and of p99 to the empty database)",
    plain(scenarioTable(results)),
    "",
    plain(targetTable(results.targets)),
    "",
    results.migrations ? plain(migrationTable(results.migrations)) : "migrations: not measured",
    "",
    seedLine(results),
    machineLine(results),
  ].join("\n");
}

export function renderScaleMarkdown(results: ScaleResults, base: string): string {
  // The chart is linked from bench/README.md, so relative to bench/
  const chart = `${base.replace(/^bench\//, "")}.svg`;
  return [
    `Latest scale run: ${results.date} (\`${base}.json\`, plans in \`${base}-plans.txt\`). ${machineLine(results)}`,
    "",
    `![Throughput and p99 per scenario against data size, and ceiling ratios](${chart})`,
    "",
    "Each cell: req/s · p99 ms (ratio of req/s · of p99 to the empty database; share of the ceiling).",
    "",
    markdown(scenarioTable(results)),
    "",
    markdown(targetTable(results.targets)),
    "",
    results.migrations ? markdown(migrationTable(results.migrations)) : "",
    "",
    seedLine(results) + ".",
  ].join("\n");
}

const START = "<!-- bench:scale:start -->";
const END = "<!-- bench:scale:end -->";

/** Replaces the scale section of bench/README.md; false when its markers are missing. */
export async function updateScaleReadme(markdownText: string): Promise<boolean> {
  const path = BENCH_README;
  const readme = await Deno.readTextFile(path);
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return false;
  await Deno.writeTextFile(path, `${readme.slice(0, start + START.length)}\n${markdownText}\n${readme.slice(end)}`);
  await new Deno.Command("deno", { args: ["fmt", "--quiet", path], stdout: "null", stderr: "null" }).output();
  return true;
}
