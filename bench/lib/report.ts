import type { Comparison } from "./compare.ts";
import { BENCH_README, REPO_ROOT } from "./paths.ts";
import { type BenchResults, isSkipped, PEER, SCENARIOS, type Target } from "./results.ts";

type Table = { head: string[]; rows: string[][] };

function verdict(target: Target): string {
  return target.pass === null ? "SKIP" : target.pass ? "PASS" : "FAIL";
}

function rate(comparison: Comparison, side: "ours" | "ceiling"): string {
  const figures = comparison[side];
  return `${figures.rps.median.toFixed(figures.rps.median < 100 ? 1 : 0)} ±${(figures.rps.spread * 100).toFixed(0)}%`;
}

function latency(comparison: Comparison, side: "ours" | "ceiling"): string {
  return `${comparison[side].p50Ms.toFixed(1)} / ${comparison[side].p99Ms.toFixed(1)}`;
}

/** CPU µs per request, ours / ceiling; results from before it was measured have none. */
function cpu(comparison: Comparison): string {
  const ours = comparison.ours.cpuMicrosPerRequest;
  const ceiling = comparison.ceiling.cpuMicrosPerRequest;
  if (!Number.isFinite(ours) || !Number.isFinite(ceiling)) return "—";
  return `${ours.toFixed(0)} / ${ceiling.toFixed(0)}`;
}

function throughputTable(results: BenchResults): Table {
  const rows = Object.entries(SCENARIOS).map(([name, scenario]) => {
    const comparison = results.comparisons[name];
    if (!comparison) return [scenario.title, "not run", "", scenario.ceiling, "", "", "", ""];
    if (isSkipped(comparison)) {
      return [scenario.title, `skipped: ${comparison.skipped}`, "", scenario.ceiling, "", "", "", ""];
    }
    return [
      scenario.title,
      rate(comparison, "ours"),
      latency(comparison, "ours"),
      scenario.ceiling,
      rate(comparison, "ceiling"),
      latency(comparison, "ceiling"),
      Number.isFinite(comparison.ratio) ? `${(comparison.ratio * 100).toFixed(0)}%` : "—",
      cpu(comparison),
    ];
  });
  return {
    head: [
      "scenario",
      "ours req/s (spread)",
      "ours p50/p99 ms",
      "ceiling",
      "ceiling req/s",
      "ceiling p50/p99 ms",
      "ratio",
      "CPU µs/req ours / ceiling",
    ],
    rows,
  };
}

function targetTable(results: BenchResults): Table {
  return {
    head: ["target", "measured", "goal", "verdict"],
    rows: results.targets.map((target) => [
      target.label,
      target.note ? `${target.measured} (${target.note})` : target.measured,
      target.goal,
      verdict(target),
    ]),
  };
}

function plain(table: Table): string {
  const widths = table.head.map((cell, i) => Math.max(cell.length, ...table.rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => (cell ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(table.head), widths.map((width) => "-".repeat(width)).join("  "), ...table.rows.map(line)].join("\n");
}

function markdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(table.head), line(table.head.map(() => "---")), ...table.rows.map(line)].join("\n");
}

function soakLine(results: BenchResults): string | undefined {
  if (!results.soak || isSkipped(results.soak)) return undefined;
  const soak = results.soak;
  return `Soak ${soak.seconds} s of GET /auth/me: req/s per 5 s window ${
    soak.windowsRps.map((value) => value.toFixed(0)).join(", ")
  }; RSS ${soak.rssStartMb.toFixed(1)} → ${soak.rssEndMb.toFixed(1)} MB.`;
}

function machineLine(results: BenchResults): string {
  const m = results.machine;
  return `${m.cpu} (${m.cores} cores), ${m.os}; Deno ${m.deno}, ${m.wrk}, ${m.postgres}, Redis ${m.redis}. ` +
    `${results.settings.repetitions} × ${results.settings.durationSeconds} s per side after ${results.settings.warmupSeconds} s warm-up; ` +
    `bcrypt cost ${results.settings.bcryptCost}.`;
}

/** The run as plain text: both tables, the soak windows and the machine. */
export function renderText(results: BenchResults): string {
  return [
    plain(throughputTable(results)),
    "",
    plain(targetTable(results)),
    "",
    soakLine(results),
    `Peer (${PEER.name}, same machine): get-session ${PEER.getSessionRps.low}–${PEER.getSessionRps.high} req/s, sign-in ~${PEER.signinPerCore}/s per core.`,
    machineLine(results),
  ].filter((line) => line !== undefined).join("\n");
}

/** The run as Markdown, for the "Against the ceilings" section of bench/README.md. */
export function renderMarkdown(results: BenchResults, resultFile: string): string {
  return [
    `Latest run: ${results.date} (\`${resultFile}\`). ${machineLine(results)}`,
    "",
    markdown(throughputTable(results)),
    "",
    markdown(targetTable(results)),
    "",
    soakLine(results),
  ].filter((line) => line !== undefined).join("\n");
}

/** Writes bench/results/ceilings-<date>[-quick].json; returns its path relative to the repository. */
export async function writeResults(results: BenchResults): Promise<string> {
  const stamp = results.date.replace(/:/g, "-").replace(/\..*$/, "");
  const relative = `bench/results/ceilings-${stamp}${results.quick ? "-quick" : ""}.json`;
  await Deno.mkdir(`${REPO_ROOT}bench/results`, { recursive: true });
  await Deno.writeTextFile(`${REPO_ROOT}${relative}`, JSON.stringify(results, null, 2) + "\n");
  return relative;
}

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** Replaces the table between the bench markers of bench/README.md; false when the markers are missing. */
export async function updateReadme(results: BenchResults, resultFile: string): Promise<boolean> {
  const path = BENCH_README;
  const readme = await Deno.readTextFile(path);
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return false;
  const updated = `${readme.slice(0, start + START.length)}\n${renderMarkdown(results, resultFile)}\n${
    readme.slice(end)
  }`;
  await Deno.writeTextFile(path, updated);
  // The table's lines are as long as they come; let the formatter wrap them as it does the rest
  await new Deno.Command("deno", { args: ["fmt", "--quiet", path], stdout: "null", stderr: "null" }).output();
  return true;
}
