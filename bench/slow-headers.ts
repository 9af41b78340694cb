/**
 * Run by hand: what connections that sent half a request (slowloris) do to normal requests.
 *
 *   deno run -A bench/slow-headers.ts [--idle 1000] [--reps 3] [--hold 60] [--duration 10] [--nofile N]
 *
 * Starts the service as `deno task start` does (production mode, PostgreSQL database
 * `jessy_bench_slow`, limits in memory), pinned to core 0 with wrk on core 1, and measures
 * GET /health/live (no I/O) and GET /health/ready (one PostgreSQL round trip) with wrk, plus the
 * latency of requests that each open a new connection: alone, then while `--idle` connections
 * hold a request line and half a header block open, then alone again after closing them, `--reps`
 * times in turn (the machine's load drifts; medians are reported). The last repetition keeps its
 * connections until `--hold` seconds have passed and counts how many the server closed.
 * `--nofile N` starts the server with an open-file limit of N (`prlimit`), as a container with
 * the usual soft limit of 1024 would run it. Figures: bench/README.md, "Slow and half-sent requests".
 */
import { recreateDatabase } from "./lib/bench-db.ts";
import { readRssMb, type ServerProcess, startServer, waitIdle } from "./lib/processes.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import { appEnv, migrate, taskCommand } from "./lib/servers.ts";
import { median } from "./lib/stats.ts";
import { ensureWrk, runWrk, type WrkResult } from "./lib/wrk.ts";

const SERVER_CPU = "0";
const LOAD_CPU = "1";
const PORT = 18_311;
const CONNECTIONS = 32;
const FRESH_SAMPLES = 50;
const HALF_REQUEST = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow/1.0\r\nX-Half: ";

interface Settings {
  idle: number;
  reps: number;
  holdSeconds: number;
  durationSeconds: number;
  nofile?: number;
}

function parseSettings(args: string[]): Settings {
  const settings: Settings = { idle: 1000, reps: 3, holdSeconds: 60, durationSeconds: 10 };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${args[i]} needs a positive integer`);
    if (args[i] === "--idle") settings.idle = value;
    else if (args[i] === "--reps") settings.reps = value;
    else if (args[i] === "--hold") settings.holdSeconds = value;
    else if (args[i] === "--duration") settings.durationSeconds = value;
    else if (args[i] === "--nofile") settings.nofile = value;
    else throw new Error(`unknown flag ${args[i]}`);
  }
  return settings;
}

interface Snapshot {
  /** What went wrong when a measure could not be taken (the server refused or died) */
  failure?: string;
  liveRps: number;
  liveP99Ms: number;
  readyRps: number;
  readyP99Ms: number;
  socketErrors: number;
  freshMedianMs: number;
  freshMaxMs: number;
  freshFailures: number;
  rssMb: number;
  openFiles: number;
}

async function openFiles(pid: number): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) count++;
  return count;
}

/** One request per new connection (`Connection: close`, no pooling), one at a time. */
async function freshConnectionLatencies(url: string): Promise<{ ms: number[]; failures: number }> {
  const ms: number[] = [];
  let failures = 0;
  for (let i = 0; i < FRESH_SAMPLES; i++) {
    const started = performance.now();
    try {
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
      try {
        const response = await fetch(`${url}/health/live`, {
          client,
          headers: { Connection: "close" },
          signal: AbortSignal.timeout(5000),
        });
        await response.body?.cancel();
        if (response.status === 200) ms.push(performance.now() - started);
        else failures++;
      } finally {
        client.close();
      }
    } catch {
      failures++;
    }
  }
  return { ms, failures };
}

async function alive(pid: number): Promise<boolean> {
  return await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
}

async function snapshot(server: ServerProcess, settings: Settings): Promise<Snapshot> {
  try {
    return await measure(server, settings);
  } catch (error) {
    const fresh = await freshConnectionLatencies(server.url);
    const running = await alive(server.pid);
    return {
      failure: `${String(error).split("\n")[0].slice(0, 160)}; server process ${running ? "running" : "gone"}`,
      liveRps: NaN,
      liveP99Ms: NaN,
      readyRps: NaN,
      readyP99Ms: NaN,
      socketErrors: NaN,
      freshMedianMs: fresh.ms.length ? median(fresh.ms) : NaN,
      freshMaxMs: fresh.ms.length ? Math.max(...fresh.ms) : NaN,
      freshFailures: fresh.failures,
      rssMb: running ? await readRssMb(server.pid) : NaN,
      openFiles: running ? await openFiles(server.pid) : NaN,
    };
  }
}

async function measure(server: ServerProcess, settings: Settings): Promise<Snapshot> {
  const wrk = (path: string): Promise<WrkResult> =>
    runWrk({
      url: `${server.url}${path}`,
      scripts: ["plain.lua"],
      connections: CONNECTIONS,
      durationSeconds: settings.durationSeconds,
      cpus: LOAD_CPU,
    });
  const live = await wrk("/health/live");
  await waitIdle(server.pid);
  const ready = await wrk("/health/ready");
  await waitIdle(server.pid);
  const fresh = await freshConnectionLatencies(server.url);
  return {
    liveRps: live.rps,
    liveP99Ms: live.p99Ms,
    readyRps: ready.rps,
    readyP99Ms: ready.p99Ms,
    socketErrors: live.socketErrors + ready.socketErrors + live.timeouts + ready.timeouts,
    freshMedianMs: fresh.ms.length ? median(fresh.ms) : NaN,
    freshMaxMs: fresh.ms.length ? Math.max(...fresh.ms) : NaN,
    freshFailures: fresh.failures,
    rssMb: await readRssMb(server.pid),
    openFiles: await openFiles(server.pid),
  };
}

interface HalfOpen {
  conn: Deno.TcpConn;
  /** Seconds after opening at which the server closed it; undefined while open */
  closedAfter?: number;
}

/** Opens connections that send a request line and half a header block, then nothing. */
async function openHalfRequests(count: number): Promise<{ open: HalfOpen[]; failed: number }> {
  const open: HalfOpen[] = [];
  let failed = 0;
  const bytes = new TextEncoder().encode(HALF_REQUEST);
  for (let i = 0; i < count; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
      await conn.write(bytes);
      const entry: HalfOpen = { conn };
      const opened = performance.now();
      // The server answers nothing to half a request: a read ends only when it closes the socket
      conn.read(new Uint8Array(512)).then(
        () => entry.closedAfter = (performance.now() - opened) / 1000,
        () => entry.closedAfter = (performance.now() - opened) / 1000,
      );
      open.push(entry);
    } catch {
      failed++;
    }
  }
  return { open, failed };
}

function closeAll(connections: HalfOpen[]): void {
  for (const entry of connections) {
    try {
      entry.conn.close();
    } catch {
      // already closed by the server
    }
  }
}

/** The median of each measure over the snapshots that did not fail. */
function medianSnapshot(snapshots: Snapshot[]): Snapshot {
  const ok = snapshots.filter((snapshot) => !snapshot.failure);
  const failure = snapshots.find((snapshot) => snapshot.failure)?.failure;
  const of = (key: Exclude<keyof Snapshot, "failure">) =>
    median((ok.length ? ok : snapshots).map((snapshot) => snapshot[key]));
  return {
    failure,
    liveRps: of("liveRps"),
    liveP99Ms: of("liveP99Ms"),
    readyRps: of("readyRps"),
    readyP99Ms: of("readyP99Ms"),
    socketErrors: of("socketErrors"),
    freshMedianMs: of("freshMedianMs"),
    freshMaxMs: of("freshMaxMs"),
    freshFailures: of("freshFailures"),
    rssMb: of("rssMb"),
    openFiles: of("openFiles"),
  };
}

function row(label: string, before: number, after: number, digits = 0): string {
  const change = before ? ` (${after >= before ? "+" : ""}${(((after - before) / before) * 100).toFixed(0)}%)` : "";
  return `| ${label} | ${before.toFixed(digits)} | ${after.toFixed(digits)}${change} |`;
}

async function main(settings: Settings): Promise<void> {
  await ensureWrk();
  const database = await recreateDatabase("jessy_bench_slow");
  const url = `http://127.0.0.1:${PORT}`;
  const env = appEnv({ port: PORT, appUrl: url, databaseUrl: database.url, bcryptCost: 10 });
  let server: ServerProcess | undefined;
  let halfOpen: HalfOpen[] = [];
  try {
    await migrate(env);
    const start = await taskCommand("start");
    const command = settings.nofile ? ["prlimit", `--nofile=${settings.nofile}:${settings.nofile}`, ...start] : start;
    server = await startServer({
      name: "service",
      command,
      env,
      port: PORT,
      readyPath: "/health/ready",
      cpus: SERVER_CPU,
      cwd: REPO_ROOT,
    });
    const limits = await Deno.readTextFile(`/proc/${server.pid}/limits`);
    const nofile = /^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? "?";
    console.log(`server pid ${server.pid}, open-file limit ${nofile}; warming up`);
    await runWrk({ url: `${url}/health/ready`, scripts: ["plain.lua"], connections: CONNECTIONS, durationSeconds: 5 });
    await waitIdle(server.pid);

    const alone: Snapshot[] = [];
    const withHalf: Snapshot[] = [];
    let opened = performance.now();
    for (let rep = 0; rep < settings.reps; rep++) {
      alone.push(await snapshot(server, settings));
      console.log(`rep ${rep + 1} alone`, JSON.stringify(alone.at(-1)));
      opened = performance.now();
      const result = await openHalfRequests(settings.idle);
      halfOpen = result.open;
      console.log(`${halfOpen.length} half requests open, ${result.failed} connects failed`);
      // Let the server accept and park every connection before measuring
      await new Promise((resolve) => setTimeout(resolve, 2000));
      withHalf.push(await snapshot(server, settings));
      console.log(`rep ${rep + 1} with half requests`, JSON.stringify(withHalf.at(-1)));
      if (withHalf.at(-1)!.failure) break;
      if (rep < settings.reps - 1) {
        closeAll(halfOpen);
        halfOpen = [];
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
    const before = medianSnapshot(alone);
    const during = medianSnapshot(withHalf);
    const left = settings.holdSeconds * 1000 - (performance.now() - opened);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    const closed = halfOpen.filter((entry) => entry.closedAfter !== undefined);
    const heldSeconds = Math.round((performance.now() - opened) / 1000);
    const serverLog = await Deno.readTextFile(server.logPath).catch(() => "");
    const errorLines = serverLog.split("\n").filter((line) => /error|too many open files/i.test(line));

    console.log(
      `\n${settings.idle} half requests, server open-file limit ${nofile}, wrk -c${CONNECTIONS} × ` +
        `${settings.durationSeconds} s, medians of ${withHalf.length} alternating repetitions\n`,
    );
    console.log("| measure | alone | with half requests open |");
    console.log("| --- | --- | --- |");
    console.log(row("GET /health/live req/s", before.liveRps, during.liveRps));
    console.log(row("GET /health/live p99 ms", before.liveP99Ms, during.liveP99Ms, 1));
    console.log(row("GET /health/ready req/s", before.readyRps, during.readyRps));
    console.log(row("GET /health/ready p99 ms", before.readyP99Ms, during.readyP99Ms, 1));
    console.log(row("new-connection request, median ms", before.freshMedianMs, during.freshMedianMs, 2));
    console.log(row("new-connection request, max ms", before.freshMaxMs, during.freshMaxMs, 2));
    console.log(
      `| new-connection requests failed (of ${FRESH_SAMPLES}) | ${before.freshFailures} | ${during.freshFailures} |`,
    );
    console.log(`| wrk socket errors + timeouts | ${before.socketErrors} | ${during.socketErrors} |`);
    console.log(row("server RSS MB", before.rssMb, during.rssMb, 1));
    console.log(row("server open files", before.openFiles, during.openFiles));
    console.log(
      `\nHalf requests closed by the server within ${heldSeconds} s: ${closed.length} of ${halfOpen.length}` +
        (closed.length ? ` (first after ${Math.min(...closed.map((entry) => entry.closedAfter!)).toFixed(1)} s)` : "") +
        `; server log lines mentioning errors: ${errorLines.length}`,
    );
    if (during.failure) console.log(`With half requests open: ${during.failure}`);
    for (const line of errorLines.slice(-3)) console.log(`server log: ${line.slice(0, 300)}`);
  } finally {
    closeAll(halfOpen);
    await server?.stop();
    await database.drop();
  }
}

await main(parseSettings(Deno.args));
