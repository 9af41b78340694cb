import { fromFileUrl } from "./paths.ts";

/** One wrk run, as the scenario script's done() reports it. */
export interface WrkResult {
  requests: number;
  seconds: number;
  /** Requests per second, non-2xx answers excluded */
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  /** Successful responses per 5-second window (scripts that track windows) */
  windows: number[];
  /** Failed responses by status (scripts that read responses) */
  statuses: Record<string, number>;
}

export interface WrkRun {
  url: string;
  /** Scenario script in bench/lua/, run after common.lua */
  scripts: string[];
  /** Arguments passed to the script's init() */
  scriptArgs?: string[];
  connections: number;
  durationSeconds: number;
  timeoutSeconds?: number;
  /** CPU list for taskset; undefined leaves the generator unpinned */
  cpus?: string;
}

const LUA_DIR = fromFileUrl(new URL("../lua/", import.meta.url));

/** Installs Debian's wrk with apt-get when it is not on PATH. */
export async function ensureWrk(): Promise<string> {
  if (!await succeeds("wrk", ["--version"], [0, 1])) {
    console.log("wrk not found: installing it with apt-get");
    if (!await succeeds("apt-get", ["install", "-y", "wrk"])) {
      await succeeds("apt-get", ["update"]);
      if (!await succeeds("apt-get", ["install", "-y", "wrk"])) throw new Error("Could not install wrk");
    }
  }
  const output = await new Deno.Command("wrk", { args: ["--version"], stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  return text.split("\n")[0].replace(/\s*Copyright.*$/, "").trim();
}

async function succeeds(command: string, args: string[], codes = [0]): Promise<boolean> {
  try {
    const result = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output();
    return codes.includes(result.code);
  } catch {
    return false;
  }
}

async function scriptFile(scripts: string[]): Promise<string> {
  const parts = await Promise.all(["common.lua", ...scripts].map((name) => Deno.readTextFile(LUA_DIR + name)));
  const path = await Deno.makeTempFile({ prefix: "jessy-bench-", suffix: ".lua" });
  await Deno.writeTextFile(path, parts.join("\n"));
  return path;
}

/** Runs wrk once (one thread, keep-alive connections) and parses its summary. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const script = await scriptFile(run.scripts);
  const wrkArgs = [
    "-t1",
    `-c${run.connections}`,
    `-d${run.durationSeconds}s`,
    `--timeout`,
    `${run.timeoutSeconds ?? 5}s`,
    "--latency",
    "-s",
    script,
    run.url,
    ...(run.scriptArgs?.length ? ["--", ...run.scriptArgs] : []),
  ];
  const [command, args] = run.cpus ? ["taskset", ["-c", run.cpus, "wrk", ...wrkArgs]] : ["wrk", wrkArgs];
  try {
    const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(output.stdout);
    const line = text.split("\n").find((candidate) => candidate.startsWith("BENCH_JSON "));
    if (!output.success || !line) {
      throw new Error(`wrk failed on ${run.url}: ${text}${new TextDecoder().decode(output.stderr)}`);
    }
    return parseSummary(JSON.parse(line.slice("BENCH_JSON ".length)));
  } finally {
    await Deno.remove(script).catch(() => {});
  }
}

interface RawSummary {
  requests: number;
  duration_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  non2xx: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  timeouts: number;
  windows: Record<string, number>;
  statuses: Record<string, number>;
}

function parseSummary(raw: RawSummary): WrkResult {
  const seconds = raw.duration_us / 1e6;
  const windowCount = Math.floor(seconds / 5);
  const windows = Array.from({ length: windowCount }, (_, index) => raw.windows[String(index)] ?? 0);
  return {
    requests: raw.requests,
    seconds,
    rps: (raw.requests - raw.non2xx) / seconds,
    p50Ms: raw.p50_us / 1000,
    p90Ms: raw.p90_us / 1000,
    p99Ms: raw.p99_us / 1000,
    maxMs: raw.max_us / 1000,
    non2xx: raw.non2xx,
    socketErrors: raw.connect_errors + raw.read_errors + raw.write_errors,
    timeouts: raw.timeouts,
    windows,
    statuses: raw.statuses,
  };
}

/** A short account of one run's failures: statuses, socket errors, timeouts ("" when none). */
export function describeFailures(run: WrkResult): string {
  const parts = Object.entries(run.statuses).map(([status, count]) => `${count}×${status}`);
  const unread = run.non2xx - Object.values(run.statuses).reduce((sum, count) => sum + count, 0);
  if (unread > 0) parts.push(`${unread}×4xx/5xx`);
  if (run.socketErrors > 0) parts.push(`${run.socketErrors} socket errors`);
  if (run.timeouts > 0) parts.push(`${run.timeouts} timeouts`);
  return parts.join(", ");
}
