import { assert, assertEquals } from "../helpers/assert.ts";
import { runningServer, verifiedAccount } from "../helpers/accounts.ts";
import { startServer } from "../helpers/server.ts";
import { until } from "../helpers/until.ts";

const METRICS_TOKEN = "sigterm-metrics-token-0123456789abcdef";

Deno.test({
  name: "faults: SIGTERM during 20 in-flight sign-ins → all 20 complete with 2xx, new connections refused, exit 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A real bcrypt cost, so the sign-ins are still hashing when the signal arrives
    const server = await startServer({
      BCRYPT_COST: "10",
      METRICS_TOKEN,
      RATE_LIMIT_AUTH_PER_MINUTE: "10000",
      RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "10000",
      RATE_LIMIT_PUBLIC_PER_MINUTE: "10000",
    });
    let exited = false;
    try {
      const { email, password } = await verifiedAccount(runningServer(server.url), { label: "sigterm" });
      // Connect and send every request before the signal, so all 20 are in flight at the server
      const body = JSON.stringify({ email, password });
      const { port } = new URL(server.url);
      const connections = await Promise.all(
        Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port: Number(port) })),
      );
      const request = `POST /auth/signin HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n${body}`;
      await Promise.all(connections.map((connection) => connection.write(new TextEncoder().encode(request))));
      let completed = 0;
      const signins = connections.map((connection) => readResponse(connection).finally(() => completed++));
      // The server has read all 20 once each is at bcrypt (queued or running) or answered
      await until(async () => await signinsRead(server.url) >= 20, { what: "20 sign-ins read by the server" });
      const signalled = performance.now();
      server.process.kill("SIGTERM");
      // The listener closes as soon as the signal is handled; keep knocking until it does
      let refused = false;
      // Real time: the spawned process closes its listener when it handles the signal
      await until(async () => {
        try {
          const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
          connection.close();
        } catch (error) {
          refused = error instanceof Deno.errors.ConnectionRefused;
        }
        return refused;
      }, { interval: 50, what: "a refused connection" }).catch(() => {});
      const pendingWhenRefused = 20 - completed;

      const results = await Promise.all(signins);
      const status = await server.process.status;
      exited = true;
      const seconds = (performance.now() - signalled) / 1000;
      console.log(
        `sign-ins: ${results.map((r) => r.status).join(",")}; ${pendingWhenRefused} in flight when refused; ` +
          `exit ${status.code} after ${seconds.toFixed(1)} s`,
      );
      assertEquals(results.map((r) => r.status), Array(20).fill(200));
      assert(results.every((r) => r.hasToken));
      assert(refused, "a new connection after SIGTERM is refused");
      assert(pendingWhenRefused > 0, "connections were refused while sign-ins were still in flight");
      assertEquals(status.code, 0);
      assert(seconds < 10, `exited within 10 s (${seconds.toFixed(1)} s)`);
      assert(server.lines.some((line) => line.message === "stopped"));
    } finally {
      if (!exited) await server.stop("SIGKILL");
      else await server.stop();
    }
  },
});

/**
 * Sign-ins the server has read, from its /metrics: those at bcrypt (queued or running) plus those
 * answered. A sign-in leaves the queue before its answer is counted, so none counts twice.
 */
async function signinsRead(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await response.text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  // The account set-up before hashed once (sign-up) and checked no password: the queue holds sign-ins only
  return value(/^password_hash_queue_depth (\S+)$/m) +
    value(/^http_request_duration_seconds_count\{operation="signIn"\} (\S+)$/m);
}

/** Reads one HTTP/1.1 response to the end (Connection: close) and reports its status. */
async function readResponse(connection: Deno.Conn) {
  let text = "";
  try {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(8192);
    for (let read = await connection.read(buffer); read !== null; read = await connection.read(buffer)) {
      text += decoder.decode(buffer.subarray(0, read), { stream: true });
    }
  } catch {
    // reset by the peer: reported as status 0 below
  } finally {
    try {
      connection.close();
    } catch { /* already closed */ }
  }
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, hasToken: text.includes('"access_token"') };
}
