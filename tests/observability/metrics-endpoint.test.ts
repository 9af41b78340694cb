/**
 * GET /metrics on the main port behind METRICS_TOKEN, off unless configured; bounded series
 * whatever paths clients try; no trace_id while tracing is off; production refuses a short token.
 */
import { loadConfig } from "../../src/config.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { PRODUCTION_ENV, TEST_SECRETS } from "../helpers/env.ts";

const TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";

function scrape(t: Awaited<ReturnType<typeof createTestApp>>, token = TOKEN) {
  return t.app.request("/metrics", { headers: { Authorization: `Bearer ${token}` } });
}

/** The exposition's samples (series), without comments. */
async function seriesOf(response: Response): Promise<string[]> {
  const text = await response.text();
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).map((line) =>
    line.slice(0, line.lastIndexOf(" "))
  );
}

Deno.test("metrics: GET /metrics answers the METRICS_TOKEN bearer in Prometheus text, and 401 problems to anyone else", async () => {
  const t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  try {
    const ok = await scrape(t);
    assertEquals(ok.status, 200);
    assert(ok.headers.get("Content-Type")?.startsWith("text/plain; version=0.0.4"));
    const series = await seriesOf(ok);
    assert(series.includes('auth_events_total{type="signin_failed"}'), series.join("\n"));
    assert(series.includes("rate_limit_store_fallback"));

    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer wrong" }, {
      Authorization: `Bearer ${TOKEN}x`,
    }];
    for (const headers of attempts) {
      const refused = await t.app.request("/metrics", { headers });
      assertEquals(refused.status, 401);
      assertEquals(refused.headers.get("Content-Type"), "application/problem+json");
      const problem = await refused.json();
      assertEquals(problem.code, "invalid_token");
      assertEquals(problem.trace_id, undefined, "no trace id while tracing is off");
    }
    // The scrapes themselves are counted under their own operation id
    const after = await seriesOf(await scrape(t));
    assert(after.includes('http_requests_total{operation="getMetrics",status="401"}'), after.join("\n"));
  } finally {
    await t.close();
  }
});

Deno.test("metrics: off unless configured — no /metrics route, nothing counted", async () => {
  const t = await createTestApp();
  try {
    assertEquals(t.deps.metrics, undefined);
    const response = await scrape(t);
    assertEquals(response.status, 404);
    await response.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("metrics: labels come from the route contracts — 10,000 requests to random unknown paths add no series", async () => {
  const t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  try {
    const randomPath = () => `/${crypto.randomUUID()}/${Math.random().toString(36).slice(2)}?q=${crypto.randomUUID()}`;
    // The first unmatched request of each status creates its series; the count must not move after
    for (const method of ["GET", "POST"]) await (await t.app.request(randomPath(), { method })).body?.cancel();
    await (await t.app.request("/auth/signin", { method: "GET" })).body?.cancel();
    const before = await seriesOf(await scrape(t));
    assert(before.includes('http_requests_total{operation="unmatched",status="404"}'), before.join("\n"));
    for (let i = 0; i < 10_000; i++) {
      const method = ["GET", "POST", "PUT", "DELETE"][i % 4];
      const path = i % 10 === 0 ? `/auth/${crypto.randomUUID()}` : randomPath();
      await (await t.app.request(path, { method })).body?.cancel();
    }
    // The scrape's own series (getMetrics) may appear between the two: the rest must not move
    const ofClients = (series: string[]) => series.filter((line) => !line.includes("getMetrics"));
    const after = ofClients(await seriesOf(await scrape(t)));
    assertEquals(after.filter((series) => !before.includes(series)), []);
    assertEquals(after.length, ofClients(before).length);
    const unmatched = after.filter((series) => series.includes('operation="unmatched"'));
    assert(unmatched.every((series) => /status="40[45]"|^http_request_duration/.test(series)), unmatched.join("\n"));
  } finally {
    await t.close();
  }
});

Deno.test("metrics: production refuses a METRICS_TOKEN shorter than 32 bytes with one line", () => {
  const env = { ...PRODUCTION_ENV, ...TEST_SECRETS, APP_URL: "https://api.example.com", METRICS_TOKEN: "short" };
  let problems: string[] = [];
  try {
    loadConfig(env);
  } catch (error) {
    problems = (error as { problems: string[] }).problems;
  }
  assertEquals(problems, ["METRICS_TOKEN must be at least 32 bytes"]);
  assertEquals(loadConfig({ ...env, METRICS_TOKEN: TOKEN }).config.metrics, {
    enabled: true,
    port: undefined,
    token: TOKEN,
  });
  assertEquals(loadConfig({ ...env, METRICS_TOKEN: "", METRICS_PORT: "9464" }).config.metrics, {
    enabled: true,
    port: 9464,
    token: undefined,
  });
});
