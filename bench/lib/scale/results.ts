/** What a scale run measured, its targets and its rendering (tables and chart). */
import type { SideFigures } from "../compare.ts";
import type { Skipped, Target } from "../results.ts";
import { isSkipped } from "../results.ts";
import { type ChartSpec, renderChart } from "./chart.ts";
import type { ExplainedStatement } from "./explain.ts";
import type { MigrationAtSize } from "./migrations.ts";
import type { SeedCounts } from "./seed.ts";

export interface ScenarioFigures {
  ours: SideFigures;
  /** The same irreducible work alone, where the scenario has a ceiling */
  ceiling?: SideFigures;
}

export interface HousekeepingFigures {
  rowsDeleted: number;
  /** Seconds the sweep had rows to delete */
  sweepSeconds: number;
  rowsPerSecond: number;
  /** GET /auth/me while the sweep runs */
  meDuring: { rps: number; p99Ms: number };
  /** GET /auth/me alone: the mean of a run just before the sweep and one just after */
  meAlone: { rps: number; p99Ms: number };
}

export interface SizeResults {
  users: number;
  counts: SeedCounts;
  seedSeconds: number;
  scenarios: Record<string, ScenarioFigures | Skipped>;
  housekeeping?: HousekeepingFigures | Skipped;
  plans: ExplainedStatement[];
}

export interface ScaleResults {
  date: string;
  quick: boolean;
  machine: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  sizes: SizeResults[];
  migrations?: MigrationAtSize[];
  targets: Target[];
}

/** Scenario names, in table order; `hot` ones are held to the at-size targets. */
export const SCALE_SCENARIOS: Record<string, { title: string; hot?: boolean; ceiling?: string }> = {
  me: { title: "GET /auth/me", hot: true, ceiling: "jose verify + PK select" },
  refresh: { title: "POST /auth/refresh", hot: true },
  signin: { title: "POST /auth/signin, random user", hot: true },
  sessions: { title: "GET /auth/sessions, ordinary user", hot: true, ceiling: "verify + page select" },
  "sessions-heavy": { title: "GET /auth/sessions, heavy user" },
  "sessions-heavy-deep": { title: "GET /auth/sessions, heavy user, page at 5,000" },
  events: { title: "GET /auth/security-events, ordinary user", hot: true, ceiling: "verify + page select" },
  "events-heavy": { title: "GET /auth/security-events, heavy user" },
  "events-heavy-deep": { title: "GET /auth/security-events, heavy user, page at 50,000" },
  "admin-search": { title: "GET /admin/users, email prefix search", hot: true },
};

function figuresOf(size: SizeResults | undefined, name: string): ScenarioFigures | undefined {
  const value = size?.scenarios[name];
  return value && !isSkipped(value) ? value : undefined;
}

/** Sizes as people say them: 0, 10k, 1M. */
export function sizeLabel(users: number): string {
  if (users >= 1_000_000) return `${+(users / 1_000_000).toFixed(2)}M`;
  if (users >= 1_000) return `${+(users / 1_000).toFixed(1)}k`;
  return String(users);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

const NOT_RUN = (label: string, goal: string, note = "not run"): Target => ({
  label,
  measured: "—",
  goal,
  pass: null,
  note,
});

/** Every scale target, judged at the largest size against the empty database (size 0). */
export function judgeScale(results: Omit<ScaleResults, "targets">): Target[] {
  const empty = results.sizes.find((size) => size.users === 0);
  const largest = results.sizes.at(-1);
  const at = largest ? sizeLabel(largest.users) : "?";
  const targets: Target[] = [];
  for (const [name, scenario] of Object.entries(SCALE_SCENARIOS)) {
    if (!scenario.hot) continue;
    const base = figuresOf(empty, name);
    const big = figuresOf(largest, name);
    const rpsGoal = "≥ 90% of empty";
    const p99Goal = "≤ 1.5× empty";
    if (!base || !big || largest === empty) {
      targets.push(NOT_RUN(`${scenario.title}: throughput at ${at}`, rpsGoal));
      targets.push(NOT_RUN(`${scenario.title}: p99 at ${at}`, p99Goal));
      continue;
    }
    const rpsRatio = big.ours.rps.median / base.ours.rps.median;
    const p99Ratio = big.ours.p99Ms / base.ours.p99Ms;
    targets.push({
      label: `${scenario.title}: throughput at ${at}`,
      measured: `${pct(rpsRatio)} (${big.ours.rps.median.toFixed(0)} / ${base.ours.rps.median.toFixed(0)} req/s)`,
      goal: rpsGoal,
      pass: rpsRatio >= 0.9,
    });
    targets.push({
      label: `${scenario.title}: p99 at ${at}`,
      measured: `${p99Ratio.toFixed(2)}× (${big.ours.p99Ms.toFixed(1)} / ${base.ours.p99Ms.toFixed(1)} ms)`,
      goal: p99Goal,
      pass: p99Ratio <= 1.5,
    });
  }
  const pairs: Array<[string, string, string, string]> = [
    ["events-heavy-deep", "events-heavy", "events: page at 50,000 vs first page (heavy user)", "deep ≥ 90% of first"],
    [
      "sessions-heavy-deep",
      "sessions-heavy",
      "sessions: page at 5,000 vs first page (heavy user)",
      "deep ≥ 90% of first",
    ],
  ];
  for (const [deepName, firstName, label, goal] of pairs) {
    const deep = figuresOf(largest, deepName);
    const first = figuresOf(largest, firstName);
    if (!deep || !first) {
      targets.push(NOT_RUN(label, goal));
      continue;
    }
    const ratio = deep.ours.rps.median / first.ours.rps.median;
    targets.push({
      label,
      measured: `${pct(ratio)} (${deep.ours.rps.median.toFixed(0)} / ${first.ours.rps.median.toFixed(0)} req/s)`,
      goal,
      pass: ratio >= 0.9,
    });
  }
  for (
    const [heavyName, ordinaryName, label] of [
      ["sessions-heavy", "sessions", "sessions list: heavy vs ordinary user latency"],
      ["events-heavy", "events", "events page: heavy vs ordinary user latency"],
    ]
  ) {
    const goal = "p50 ≤ 2× ordinary";
    const heavy = figuresOf(largest, heavyName);
    const ordinary = figuresOf(largest, ordinaryName);
    if (!heavy || !ordinary) {
      targets.push(NOT_RUN(label, goal));
      continue;
    }
    const ratio = heavy.ours.p50Ms / ordinary.ours.p50Ms;
    targets.push({
      label,
      measured: `${ratio.toFixed(2)}× (p50 ${heavy.ours.p50Ms.toFixed(1)} / ${ordinary.ours.p50Ms.toFixed(1)} ms)`,
      goal,
      pass: ratio <= 2,
    });
  }
  const sweep = largest?.housekeeping && !isSkipped(largest.housekeeping) ? largest.housekeeping : undefined;
  if (sweep) {
    targets.push({
      label: `housekeeping: expired rows deleted per second at ${at}`,
      measured: `${sweep.rowsPerSecond.toFixed(0)} rows/s (${sweep.rowsDeleted} in ${sweep.sweepSeconds.toFixed(1)} s)`,
      goal: "≥ 10,000 rows/s",
      pass: sweep.rowsPerSecond >= 10_000,
    });
    const moved = sweep.meDuring.p99Ms / sweep.meAlone.p99Ms - 1;
    targets.push({
      label: "housekeeping: /auth/me p99 while it runs",
      measured: `${moved >= 0 ? "+" : ""}${pct(moved)} (${sweep.meDuring.p99Ms.toFixed(1)} vs ${
        sweep.meAlone.p99Ms.toFixed(1)
      } ms)`,
      goal: "moves by ≤ 20%",
      pass: moved <= 0.2,
    });
  } else {
    targets.push(NOT_RUN(`housekeeping: expired rows deleted per second at ${at}`, "≥ 10,000 rows/s"));
    targets.push(NOT_RUN("housekeeping: /auth/me p99 while it runs", "moves by ≤ 20%"));
  }
  const migrations = results.migrations;
  if (migrations?.length) {
    const worst = migrations.reduce((a, b) => (b.writeBlockedMs > a.writeBlockedMs ? b : a));
    targets.push({
      label: `migrations: longest write-blocking lock at ${at}`,
      measured: `${worst.writeBlockedMs} ms (${worst.name})`,
      goal: "≤ 1000 ms",
      pass: worst.writeBlockedMs <= 1000,
    });
  } else targets.push(NOT_RUN(`migrations: longest write-blocking lock at ${at}`, "≤ 1000 ms"));
  return targets;
}

type Table = { head: string[]; rows: string[][] };

/** One row per scenario: req/s and p99 at each size, with the ratio to the empty database. */
export function scenarioTable(results: Omit<ScaleResults, "targets">): Table {
  const empty = results.sizes.find((size) => size.users === 0);
  const head = ["scenario", ...results.sizes.map((size) => `${sizeLabel(size.users)}: req/s · p99 ms`)];
  const rows = Object.entries(SCALE_SCENARIOS).map(([name, scenario]) => [
    scenario.title,
    ...results.sizes.map((size) => {
      const value = size.scenarios[name];
      if (!value) return "not run";
      if (isSkipped(value)) return `skipped: ${value.skipped}`;
      const base = figuresOf(empty, name);
      const ratio = base && size !== empty
        ? ` (${pct(value.ours.rps.median / base.ours.rps.median)} · ${
          (value.ours.p99Ms / base.ours.p99Ms).toFixed(2)
        }×)`
        : "";
      const ceiling = value.ceiling ? `; ${pct(value.ours.rps.median / value.ceiling.rps.median)} of ceiling` : "";
      return `${value.ours.rps.median.toFixed(value.ours.rps.median < 100 ? 1 : 0)} · ${
        value.ours.p99Ms.toFixed(1)
      }${ratio}${ceiling}`;
    }),
  ]);
  return { head, rows };
}

export function targetTable(targets: Target[]): Table {
  return {
    head: ["target", "measured", "goal", "verdict"],
    rows: targets.map((t) => [
      t.label,
      t.note ? `${t.measured} (${t.note})` : t.measured,
      t.goal,
      t.pass === null ? "SKIP" : t.pass ? "PASS" : "FAIL",
    ]),
  };
}

export function migrationTable(migrations: MigrationAtSize[]): Table {
  return {
    head: ["migration", "run time ms", "write-blocking locks on existing tables"],
    rows: migrations.map((m) => [
      m.name,
      m.note ?? m.ms.toFixed(0),
      m.locks.filter((lock) => lock.blocksWrites).map((lock) => `${lock.table} ${lock.mode} ${lock.heldMs} ms`)
        .join(", ") || "none",
    ]),
  };
}

/** The chart: req/s and p99 against size (each as a share of the empty database), and ceiling ratios. */
export function chartSpec(results: Omit<ScaleResults, "targets">): ChartSpec {
  const empty = results.sizes.find((size) => size.users === 0);
  const series = (value: (size: SizeResults, name: string) => number | null, names: string[]) =>
    names.map((name) => ({
      name: SCALE_SCENARIOS[name].title,
      values: results.sizes.map((size) => value(size, name)),
    }));
  const hot = Object.keys(SCALE_SCENARIOS).filter((name) => SCALE_SCENARIOS[name].hot);
  const withCeiling = Object.keys(SCALE_SCENARIOS).filter((name) => SCALE_SCENARIOS[name].ceiling);
  const ratioToEmpty = (pick: (f: ScenarioFigures) => number, scale: number) => (size: SizeResults, name: string) => {
    const value = figuresOf(size, name);
    const base = figuresOf(empty, name);
    return value && base ? (pick(value) / pick(base)) * scale : null;
  };
  return {
    title: `Jessy API at size (${results.date.slice(0, 10)}): each hot path against the empty database`,
    categories: results.sizes.map((size) => sizeLabel(size.users)),
    panels: [
      {
        title: "Throughput",
        unit: "% of empty-database req/s",
        series: series(ratioToEmpty((f) => f.ours.rps.median, 100), hot),
        guide: { value: 90, label: "target ≥ 90%" },
      },
      {
        title: "p99 latency",
        unit: "× empty-database p99",
        series: series(ratioToEmpty((f) => f.ours.p99Ms, 1), hot),
        guide: { value: 1.5, label: "target ≤ 1.5×" },
      },
      {
        title: "Against its ceiling",
        unit: "% of ceiling req/s",
        series: series((size, name) => {
          const value = figuresOf(size, name);
          return value?.ceiling ? (value.ours.rps.median / value.ceiling.rps.median) * 100 : null;
        }, withCeiling),
        guide: { value: 70, label: "70%" },
      },
    ],
  };
}

export function renderScaleChart(results: Omit<ScaleResults, "targets">): string {
  return renderChart(chartSpec(results));
}
