import { assert, assertEquals } from "../helpers/assert.ts";
import { postJson, verifiedAccount } from "../helpers/http-flows.ts";
import { startServer } from "../helpers/server.ts";

Deno.test({
  name: "faults: SIGTERM during 20 in-flight sign-ins → all 20 complete with 2xx, new connections refused, exit 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A real bcrypt cost, so the sign-ins are still hashing when the signal arrives
    const server = await startServer({
      BCRYPT_COST: "10",
      RATE_LIMIT_AUTH_PER_MINUTE: "10000",
      RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "10000",
      RATE_LIMIT_PUBLIC_PER_MINUTE: "10000",
    });
    let exited = false;
    try {
      const { email, password } = await verifiedAccount(server.url, "sigterm");
      const signins = Array.from(
        { length: 20 },
        () =>
          postJson(`${server.url}/auth/signin`, { email, password }).then(async (response) => {
            const body = await response.json();
            return { status: response.status, hasToken: typeof body.access_token === "string" };
          }, (error) => ({ status: 0, hasToken: false, error: String(error).slice(0, 120) })),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const signalled = performance.now();
      server.process.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 200));

      const { port } = new URL(server.url);
      let refused = false;
      try {
        const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
        connection.close();
      } catch (error) {
        refused = error instanceof Deno.errors.ConnectionRefused;
      }

      const results = await Promise.all(signins);
      const status = await server.process.status;
      exited = true;
      const seconds = (performance.now() - signalled) / 1000;
      console.log(
        `sign-ins: ${results.map((r) => r.status).join(",")}; exit ${status.code} after ${seconds.toFixed(1)} s`,
      );
      assertEquals(results.map((r) => r.status), Array(20).fill(200));
      assert(results.every((r) => r.hasToken));
      assert(refused, "a new connection after SIGTERM is refused");
      assertEquals(status.code, 0);
      assert(seconds < 10, `exited within 10 s (${seconds.toFixed(1)} s)`);
      assert(server.lines.some((line) => line.message === "stopped"));
    } finally {
      if (!exited) await server.stop("SIGKILL");
      else await server.stop();
    }
  },
});
