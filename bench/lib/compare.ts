import type { BenchSettings } from "./args.ts";
import { median, summarize, type Summary } from "./stats.ts";
import { cpuTicks, waitIdle } from "./processes.ts";
import { describeFailures, runWrk, type WrkResult } from "./wrk.ts";

/** One side of a comparison: where to send load and how to prepare each run. */
export interface Side {
  url: string;
  scripts: string[];
  /** The server's pid: each run starts once it is idle again */
  pid: number;
  /** Script arguments for one run (e.g. a fresh file of live refresh tokens) */
  prepare(): Promise<Prepared>;
}

/** What one run of a side needs, and how to tidy up after it. */
export interface Prepared {
  args: string[];
  /** Temporary files to remove after the run */
  files?: string[];
}

/** A side whose runs all take the same arguments. */
export function fixedArgs(args: string[]): () => Promise<Prepared> {
  return () => Promise.resolve({ args });
}

/** Our route and its ceiling, measured turn about in one run. */
export interface Comparison {
  ours: SideFigures;
  ceiling: SideFigures;
  /** Median of ours over median of the ceiling */
  ratio: number;
}

export interface SideFigures {
  rps: Summary;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers and socket errors over all repetitions */
  failures: number;
  requests: number;
  /**
   * CPU time the server process spent per answered request (median over repetitions), in µs: on a
   * machine shared with other work this moves far less than req/s does
   */
  cpuMicrosPerRequest: number;
}

/** One run's load figures and the server's CPU time over it. */
interface Run extends WrkResult {
  cpuMicrosPerRequest: number;
}

// Linux reports process CPU time in ticks of 1/100 s (USER_HZ)
const MICROS_PER_TICK = 10_000;

export interface CompareOptions {
  label: string;
  connections: number;
  /** CPU list of the load generator; undefined leaves it unpinned */
  cpus?: string;
  timeoutSeconds?: number;
}

function figures(runs: Run[]): SideFigures {
  return {
    rps: summarize(runs.map((run) => run.rps)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    failures: runs.reduce((sum, run) => sum + run.non2xx + run.socketErrors + run.timeouts, 0),
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    cpuMicrosPerRequest: median(runs.map((run) => run.cpuMicrosPerRequest)),
  };
}

function line(run: Run): string {
  const failures = describeFailures(run);
  return `${run.rps.toFixed(run.rps < 100 ? 1 : 0)} req/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${
    run.p99Ms.toFixed(1)
  } ms, ${run.cpuMicrosPerRequest.toFixed(0)} µs CPU/req${failures ? ` (failed: ${failures})` : ""}`;
}

async function once(side: Side, options: CompareOptions, seconds: number): Promise<Run> {
  const prepared = await side.prepare();
  await waitIdle(side.pid);
  try {
    const ticksBefore = await cpuTicks(side.pid);
    const result = await runWrk({
      url: side.url,
      scripts: side.scripts,
      scriptArgs: prepared.args,
      connections: options.connections,
      durationSeconds: seconds,
      timeoutSeconds: options.timeoutSeconds,
      cpus: options.cpus,
    });
    const answered = result.requests - result.non2xx - result.socketErrors - result.timeouts;
    const micros = (await cpuTicks(side.pid) - ticksBefore) * MICROS_PER_TICK;
    return { ...result, cpuMicrosPerRequest: answered > 0 ? micros / answered : NaN };
  } finally {
    for (const file of prepared.files ?? []) await Deno.remove(file).catch(() => {});
  }
}

/** A side with the name its runs are logged under. */
export interface Turn {
  label: string;
  side: Side;
}

/**
 * Warms every side up, then runs them turn about for each repetition, so drift of a shared
 * machine over the run hits every side alike. Figures per side, in the order given.
 */
export async function rotate(settings: BenchSettings, options: CompareOptions, turns: Turn[]): Promise<SideFigures[]> {
  for (const turn of turns) await once(turn.side, options, settings.warmupSeconds);
  const runs: Run[][] = turns.map(() => []);
  for (let rep = 1; rep <= settings.repetitions; rep++) {
    for (const [index, turn] of turns.entries()) {
      const run = await once(turn.side, options, settings.durationSeconds);
      runs[index].push(run);
      console.log(`  ${options.label}${turn.label ? ` ${turn.label}` : ""} #${rep}: ${line(run)}`);
    }
  }
  return runs.map(figures);
}

/** Our route and its ceiling, turn about (ceiling first). The ratio is of the medians. */
export async function compare(settings: BenchSettings, options: CompareOptions, ours: Side, ceiling: Side) {
  const [ceilingFigures, oursFigures] = await rotate(settings, options, [
    { label: "ceiling", side: ceiling },
    { label: "ours", side: ours },
  ]);
  const result: Comparison = {
    ours: oursFigures,
    ceiling: ceilingFigures,
    ratio: oursFigures.rps.median / ceilingFigures.rps.median,
  };
  return result;
}

/** One side alone: a warm-up, then the repetitions (scenarios that have no ceiling of their own). */
export async function measure(settings: BenchSettings, options: CompareOptions, side: Side): Promise<SideFigures> {
  const [figures] = await rotate(settings, options, [{ label: "", side }]);
  return figures;
}
