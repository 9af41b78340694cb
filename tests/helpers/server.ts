import { TEST_DATABASE_URL, TEST_SECRETS } from "./env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** What src/main.ts gets in tests unless a test says otherwise. */
export const MAIN_DEFAULTS: Readonly<Record<string, string>> = {
  ENVIRONMENT: "development",
  // Tests read the lines as JSON; development's default is pretty
  LOG_FORMAT: "json",
  PORT: "0",
  HOST: "127.0.0.1",
  BCRYPT_COST: "4",
  ...TEST_SECRETS,
  ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
};

export interface ServerProcess {
  url: string;
  process: Deno.ChildProcess;
  /** Log lines the server printed so far (parsed JSON where possible) */
  lines: Array<Record<string, unknown>>;
  /** What the server printed on stderr so far */
  stderr(): string;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

export interface MainOptions {
  /** Working directory, left in place; startServer makes (and removes) a temporary one by default */
  cwd?: string;
  /**
   * Variables the process must not get from the test process or the test defaults, so that
   * a `.env` in `cwd` provides them
   */
  unset?: readonly string[];
  /** Kills the process when aborted */
  signal?: AbortSignal;
}

/**
 * `src/main.ts` with `args` as a command: the test environment passed through (the registry's CA
 * bundle is named there) under the test defaults, minus `unset`, overridden by `env`.
 */
export function mainCommand(args: string[], env: Record<string, string> = {}, options: MainOptions = {}): Deno.Command {
  const unset = new Set(options.unset ?? []);
  const without = (vars: Record<string, string>) =>
    Object.fromEntries(Object.entries(vars).filter(([name]) => !unset.has(name)));
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}src/main.ts`, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: { ...without(Deno.env.toObject()), ...without(MAIN_DEFAULTS), ...env },
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  });
}

/**
 * Starts `src/main.ts` as a real process on a free port, in a temporary working directory
 * (so PGlite's .data/ stays out of the repository) unless `options.cwd` names one, with the
 * test environment passed through and overridden by `env`.
 */
export async function startServer(env: Record<string, string> = {}, options: MainOptions = {}): Promise<ServerProcess> {
  const cwd = options.cwd ?? await Deno.makeTempDir({ prefix: "jessy-server-" });
  const process = mainCommand([], env, { ...options, cwd }).spawn();
  const lines: Array<Record<string, unknown>> = [];
  let errorOutput = "";
  const stderr = process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (errorOutput += chunk) }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    // A guard, not a sleep: a spawned process that never starts must fail the test, not hang it
    const timer = setTimeout(() => reject(new Error("server did not start within 60 s")), 60_000);
    (async () => {
      const decoder = new TextDecoderStream();
      let buffer = "";
      for await (const chunk of process.stdout.pipeThrough(decoder)) {
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const text = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          try {
            const line = JSON.parse(text);
            lines.push(line);
            if (line.message === "listening") {
              clearTimeout(timer);
              resolve(String(line.url));
            }
          } catch {
            lines.push({ raw: text });
          }
        }
      }
      clearTimeout(timer);
      await stderr.catch(() => {});
      reject(new Error(`server exited before listening: ${JSON.stringify(lines)}\n${errorOutput}`));
    })().catch(reject);
  });
  return {
    url,
    process,
    lines,
    stderr: () => errorOutput,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        process.kill(signal);
      } catch { /* already gone */ }
      const status = await process.status;
      await stderr.catch(() => {});
      if (!options.cwd) await Deno.remove(cwd, { recursive: true }).catch(() => {});
      return status;
    },
  };
}
