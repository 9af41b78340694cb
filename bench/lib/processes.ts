/** A server process started by the harness, pinned with taskset when asked. */
export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  logPath: string;
  /** Milliseconds from spawn to the first successful readiness answer */
  readyMs: number;
  /** Resident memory in MB, from /proc/<pid>/status VmRSS */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Command and arguments, e.g. ["deno", "run", "-A", "bench/ceilings/bcrypt.ts"] */
  command: string[];
  env: Record<string, string>;
  port: number;
  /** Path polled until it answers 200 */
  readyPath: string;
  /** CPU list for taskset; undefined leaves the process unpinned */
  cpus?: string;
  cwd: string;
  readyTimeoutMs?: number;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Reads VmRSS of a process in MB. */
export async function readRssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!match) throw new Error(`No VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(500) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns the server with its output in a log file (a pipe nobody reads would block it),
 * then polls the readiness path. `exec` keeps the pid: it is the server's own.
 */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const logPath = await Deno.makeTempFile({ prefix: `jessy-bench-${options.name}-`, suffix: ".log" });
  const pinned = options.cpus ? ["taskset", "-c", options.cpus, ...options.command] : options.command;
  const started = performance.now();
  const child = new Deno.Command("sh", {
    args: ["-c", `exec ${pinned.map(shellQuote).join(" ")} >${shellQuote(logPath)} 2>&1`],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${options.port}`;
  let exited = false;
  const status = child.status.then((value) => {
    exited = true;
    return value;
  });
  const deadline = started + (options.readyTimeoutMs ?? 30_000);
  while (!await answers(url + options.readyPath)) {
    if (exited || performance.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      await status;
      const log = await Deno.readTextFile(logPath).catch(() => "");
      throw new Error(`${options.name} did not become ready:\n${log.split("\n").slice(-30).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  return {
    name: options.name,
    pid: child.pid,
    url,
    logPath,
    readyMs,
    rssMb: () => readRssMb(child.pid),
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => !exited && child.kill("SIGKILL"), 10_000);
        await status;
        clearTimeout(timer);
      }
      await Deno.remove(logPath).catch(() => {});
    },
  };
}

/** CPU time a process has used so far, in clock ticks (utime + stime of /proc/<pid>/stat). */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until the process stops using CPU: wrk leaves requests in flight when it stops, and
 * a server still hashing the last run's passwords would slow the next run down.
 */
export async function waitIdle(pid: number, maxMs = 60_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let before = await cpuTicks(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await cpuTicks(pid);
    // At most 5% of a core over the last quarter second
    if (now - before <= 1) return;
    before = now;
  }
}
