import { type TestApp } from "./app.ts";

export interface LiveServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a test app on a random loopback port, for clients that need a real socket. */
export function serveLive(t: TestApp): LiveServer {
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    (request, info) => t.app.fetch(request, info),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      controller.abort();
      await server.finished;
    },
  };
}
