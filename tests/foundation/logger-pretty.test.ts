/**
 * LOG_FORMAT=pretty, the development default: lines a person reads (a request line per request,
 * warnings in words); JSON everywhere else. Neither prints a query string, a secret or a token.
 */
import { Hono } from "hono";
import { assert, assertEquals, assertMatch, assertThrows } from "../helpers/assert.ts";
import { PRODUCTION_ENV, TEST_SECRETS } from "../helpers/env.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { createLogger, describeError, type LogFormat } from "../../src/logger.ts";
import type { AppEnv } from "../../src/http/app-env.ts";
import { accessLog } from "../../src/http/middleware/access-log.ts";
import { requestId } from "../../src/http/middleware/request-id.ts";

const TIME = String.raw`\d\d:\d\d:\d\d\.\d{3}`;
const SECRET_QUERY = "reset-token-from-the-query";
const BEARER = "eyJhbGciOiJIUzI1NiJ9.bearer-token.signature";

/** A logger of `format` whose lines are kept. */
function capturing(format?: LogFormat) {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", format, write: (line) => lines.push(line) }) };
}

/** The access log in front of one route, as the app mounts it (request id first). */
async function requestThroughAccessLog(format: LogFormat): Promise<string[]> {
  const { lines, logger } = capturing(format);
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.use("*", accessLog(logger));
  app.get("/auth/sessions/:id", (c) => c.json({ ok: true }));
  const response = await app.request(`/auth/sessions/0190-session-id?token=${SECRET_QUERY}&next=/x`, {
    headers: { "X-Request-ID": "req-pretty-1", Authorization: `Bearer ${BEARER}`, Cookie: `session=${BEARER}` },
  });
  assertEquals(response.status, 200);
  await response.body?.cancel();
  return lines;
}

function assertNothingSecret(lines: string[]) {
  for (const line of lines) {
    for (const secret of [SECRET_QUERY, BEARER, "token=", "?", "0190-session-id"]) {
      assert(!line.includes(secret), `${JSON.stringify(secret)} printed in: ${line}`);
    }
  }
}

Deno.test("pretty log: one request line with time, method, route, status, ms and request id", async () => {
  const lines = await requestThroughAccessLog("pretty");
  assertEquals(lines.length, 1, lines.join("\n"));
  assertMatch(
    lines[0],
    new RegExp(String.raw`^${TIME} INFO  GET /auth/sessions/:id 200 \d+(\.\d+)? ms req=req-pretty-1$`),
  );
  assertNothingSecret(lines);
});

Deno.test("json log: the same request is one JSON object without the query string or the token", async () => {
  const lines = await requestThroughAccessLog("json");
  assertEquals(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assertEquals([line.message, line.method, line.route, line.status, line.request_id], [
    "request",
    "GET",
    "/auth/sessions/:id",
    200,
    "req-pretty-1",
  ]);
  assertNothingSecret(lines);
});

Deno.test("pretty log: warnings in words, fields as key=value, values that could break the line quoted", () => {
  const { lines, logger } = capturing("pretty");
  logger.warn("JWT_SECRET is not set: using a random secret for this run (tokens die on restart)");
  logger.info("listening", { url: "http://127.0.0.1:8000", debug: false, startup_ms: 812 });
  logger.info("forged\nINFO  line", { note: "two words\nINFO  forged", list: ["a", 1] });
  assertMatch(lines[0], new RegExp(`^${TIME} WARN  JWT_SECRET is not set: using a random secret for this run`));
  assertMatch(lines[1], new RegExp(`^${TIME} INFO  listening url=http://127.0.0.1:8000 debug=false startup_ms=812$`));
  assertEquals(lines[2].split("\n").length, 1, "a newline in a message or value starts no line of its own");
  assert(lines[2].endsWith(String.raw`forged\nINFO  line note="two words\nINFO  forged" list=["a",1]`), lines[2]);
  for (const line of lines) assert(!line.startsWith("{"), `not JSON: ${line}`);
});

Deno.test("pretty log: an error reads as name and message, its causes, then its stack frames indented", () => {
  const { lines, logger } = capturing("pretty");
  const error = new Error("start-up failed", { cause: new TypeError("connection refused") });
  logger.error("start-up failed", { database: "pglite", error: describeError(error) });
  const [first, ...frames] = lines[0].split("\n");
  assertMatch(first, new RegExp(`^${TIME} ERROR start-up failed database=pglite error="Error: start-up failed ← `));
  assert(first.includes("TypeError: connection refused"), first);
  assert(frames.length > 0 && frames.every((frame) => frame.startsWith("    ")), lines[0]);
  assert(frames.some((frame) => frame.startsWith("    caused by TypeError: connection refused")), lines[0]);
});

Deno.test("logger: JSON lines unless pretty is asked for", () => {
  const { lines, logger } = capturing();
  logger.warn("JWT_SECRET is not set", { n: 1 });
  assertEquals({ ...JSON.parse(lines[0]), time: "" }, {
    time: "",
    level: "warn",
    message: "JWT_SECRET is not set",
    n: 1,
  });
});

Deno.test("LOG_FORMAT: pretty by default in development, json in production, either when set", () => {
  const development = { ...TEST_SECRETS };
  const production = { ...PRODUCTION_ENV, ...TEST_SECRETS, APP_URL: "https://api.example.com" };
  assertEquals(loadConfig(development).config.logFormat, "pretty");
  assertEquals(loadConfig(production).config.logFormat, "json");
  assertEquals(loadConfig({ ...development, LOG_FORMAT: "json" }).config.logFormat, "json");
  assertEquals(loadConfig({ ...production, LOG_FORMAT: " pretty " }).config.logFormat, "pretty");
  assertEquals(loadConfig({ ...production, LOG_FORMAT: "" }).config.logFormat, "json", "empty is unset");
});

Deno.test("LOG_FORMAT: any other value is refused with one line naming the choices", () => {
  for (const value of ["yaml", "JSON-lines", "text"]) {
    const error = assertThrows(() => loadConfig({ ...TEST_SECRETS, LOG_FORMAT: value }), ConfigError);
    assertEquals(error.problems, ["LOG_FORMAT: must be pretty or json"]);
  }
});
