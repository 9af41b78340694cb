import { assert, assertEquals } from "../helpers/assert.ts";
import { startServer } from "../helpers/server.ts";

async function rawRequest(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  try {
    await connection.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(16_384);
    const read = await connection.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, read ?? 0));
  } finally {
    connection.close();
  }
}

Deno.test({
  name: "server: serves on embedded defaults, refuses a CRLF request id, and exits 0 on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer();
    try {
      const live = await fetch(`${server.url}/health/live`);
      assertEquals(live.status, 200);
      assertEquals(await live.json(), { status: "alive" });

      const injected = await rawRequest(
        server.url,
        "GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: abc\r\nSet-Cookie: pwned=1\r\nConnection: close\r\n\r\n",
      );
      assert(!/set-cookie/i.test(injected), "no header was injected into the response");
      const bareCr = await rawRequest(
        server.url,
        "GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: abc\rdef\r\nConnection: close\r\n\r\n",
      );
      assert(!bareCr.includes("abc\rdef"), "a CR in the request id is never echoed");
    } finally {
      const status = await server.stop("SIGTERM");
      assertEquals(status.code, 0);
      assert(server.lines.some((line) => line.message === "stopped"), "logs the clean stop");
    }
  },
});

Deno.test({
  name: "server: production refuses an unsafe configuration with one line per problem and no stack",
  async fn() {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("../../src/main.ts", import.meta.url).pathname,
      ],
      // Not the repository: a developer's own ./.env there would be read
      cwd: await Deno.makeTempDir({ prefix: "jessy-refusal-" }),
      env: { ENVIRONMENT: "production", JWT_SECRET: "short", CORS_ALLOWED_ORIGINS: "*", DEBUG_MODE: "true" },
      clearEnv: false,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(output.code, 1);
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    assert(stderr.length >= 5, stderr.join("\n"));
    for (const line of stderr) {
      assert(line.startsWith("config error: "), `unexpected line: ${line}`);
      assert(!line.includes("    at "), "no stack trace");
    }
    assert(stderr.some((line) => line.includes("JWT_SECRET must be at least 32 bytes")));
    assert(stderr.some((line) => line.includes("DEBUG_MODE must be off in production")));
  },
});
