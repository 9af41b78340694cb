import { createClient } from "redis";
import { createRespRequester } from "../../src/ratelimit/resp-requester.ts";
import type { LogFn } from "../../src/ratelimit/types.ts";

/** A local server speaking Upstash's REST protocol on top of a real Redis. */
export interface UpstashFake {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Implements the documented REST protocol: POST / with a JSON command array,
 * POST /pipeline and /multi-exec with arrays of them, `Authorization: Bearer <token>`,
 * `{ result }` / `{ error }` answers, and base64-encoded results when the client sends
 * `Upstash-Encoding: base64` (strings encoded, "OK" and numbers as they are).
 * Commands go to Redis through the RESP requester, which also stands in for Upstash's
 * acceptance of the `allow-key-locking` script flag.
 */
export async function startUpstashFake(
  redisUrl: string,
  token: string,
): Promise<UpstashFake> {
  const client = createClient({
    url: redisUrl,
    socket: { reconnectStrategy: false },
  });
  client.on("error", () => {});
  await client.connect();
  const requester = createRespRequester(client);

  async function handle(req: Request): Promise<Response> {
    if (req.method !== "POST") {
      return Response.json({ error: "Method not allowed" }, { status: 405 });
    }
    if (req.headers.get("authorization") !== `Bearer ${token}`) {
      return Response.json({ error: "Unauthorized" }, { status: 401 });
    }
    const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    const encode = (item: { result?: unknown; error?: string }) =>
      item.error !== undefined ? { error: item.error } : { result: base64 ? toBase64(item.result) : item.result };
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return Response.json({ error: "ERR failed to parse command" }, {
        status: 400,
      });
    }
    const path = new URL(req.url).pathname;
    if (path === "/") {
      const item = await requester.request({ body });
      if (item.error !== undefined) {
        return Response.json({ error: item.error }, { status: 400 });
      }
      return Response.json(encode(item));
    }
    if (path === "/pipeline" || path === "/multi-exec") {
      const items = await requester.request({
        path: [path.slice(1)],
        body,
      }) as unknown as {
        result?: unknown;
        error?: string;
      }[];
      return Response.json(items.map(encode));
    }
    return Response.json({ error: "Not found" }, { status: 404 });
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handle,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      await server.shutdown();
      client.destroy();
    },
  };
}

function toBase64(value: unknown): unknown {
  if (typeof value === "string") {
    if (value === "OK") return value;
    return btoa(String.fromCharCode(...new TextEncoder().encode(value)));
  }
  if (Array.isArray(value)) return value.map(toBase64);
  return value;
}

/** A key prefix no other test (or engineer sharing the Redis) uses. */
export function uniquePrefix(): string {
  return `jessy:rl:test:${crypto.randomUUID()}`;
}

/** A log function that remembers what it was told. */
export function recordingLog(): {
  log: LogFn;
  entries: { level: string; message: string }[];
} {
  const entries: { level: string; message: string }[] = [];
  const log: LogFn = (level, message) => {
    if (level !== "debug") entries.push({ level, message });
  };
  return { log, entries };
}
