import { freeServicePort } from "../helpers/free-port.ts";
import { requireInstalled } from "../helpers/installed.ts";
/** A throwaway redis-server of our own, safe to kill, pause and restart. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts the installed redis-server on a free loopback port, without persistence. */
export async function startRedisServer(): Promise<RedisServer> {
  const program = requireInstalled("redis-server");
  const port = freeServicePort();
  let child: Deno.ChildProcess | undefined;

  async function start(): Promise<void> {
    child = new Deno.Command(program, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    if (!(await answersPing(port, 5000))) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}`);
    }
  }

  async function stop(): Promise<void> {
    if (!child) return;
    child.kill("SIGKILL");
    await child.status;
    child = undefined;
  }

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}

async function answersPing(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode("PING\r\n"));
        const buffer = new Uint8Array(16);
        const read = await conn.read(buffer);
        if (
          read &&
          new TextDecoder().decode(buffer.subarray(0, read)).startsWith("+PONG")
        ) return true;
      } finally {
        conn.close();
      }
    } catch {
      // Not listening yet.
    }
    // Real time: redis-server is a process of its own, starting up
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
