import { TEST_DATABASE_URL, TEST_SECRETS } from "./env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface ServerProcess {
  url: string;
  process: Deno.ChildProcess;
  /** Log lines the server printed so far (parsed JSON where possible) */
  lines: Array<Record<string, unknown>>;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts `src/main.ts` as a real process on a free port, in a temporary working directory
 * (so PGlite's .data/ stays out of the repository), with the test environment passed
 * through and overridden by `env`.
 */
export async function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const cwd = await Deno.makeTempDir({ prefix: "jessy-server-" });
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}src/main.ts`],
    cwd,
    env: {
      ENVIRONMENT: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      BCRYPT_COST: "4",
      ...TEST_SECRETS,
      ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
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
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        process.kill(signal);
      } catch { /* already gone */ }
      const status = await process.status;
      await stderr.catch(() => {});
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
      return status;
    },
  };
}
