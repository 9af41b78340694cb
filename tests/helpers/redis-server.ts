import { freeServicePort } from "../helpers/free-port.ts";
import { requireInstalled } from "../helpers/installed.ts";
import { until } from "../helpers/until.ts";

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
    // Real time: redis-server is a process of its own, starting up
    await until(() => answersPing(port), { interval: 50, what: `redis-server answering on port ${port}` })
      .catch(async (error) => {
        await stop();
        throw error;
      });
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

/** Whether redis-server on `port` answers PING now. */
async function answersPing(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(16);
      const read = await conn.read(buffer);
      return Boolean(read && new TextDecoder().decode(buffer.subarray(0, read)).startsWith("+PONG"));
    } finally {
      conn.close();
    }
  } catch {
    return false; // Not listening yet
  }
}
