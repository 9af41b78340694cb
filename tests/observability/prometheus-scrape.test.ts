/**
 * A real Prometheus scrapes a running instance (a spawned `deno run` with METRICS_PORT) while a
 * scripted flow runs: sign-up, verification, a wrong password, a sign-in, a token check, a
 * refresh and a 429. The series Prometheus then holds are read back with PromQL.
 */
import { assertEquals } from "../helpers/assert.ts";
import { freeServicePort } from "../helpers/free-port.ts";
import { mailedCode, runningServer } from "../helpers/accounts.ts";
import { postJson } from "../helpers/http.ts";
import { skipWithout } from "../helpers/installed.ts";
import { startServer } from "../helpers/server.ts";
import { until, untilPasses } from "../helpers/until.ts";
import { SCRAPES, startPrometheus } from "./_helpers.ts";

/** Waits for a log line of the server, such as the metrics listener's. */
async function logLine(lines: Array<Record<string, unknown>>, message: string): Promise<Record<string, unknown>> {
  const found = () => lines.find((candidate) => candidate.message === message);
  // The server is another process: its log arrives on its own schedule
  await until(() => found() !== undefined, { timeout: 10_000, interval: 50, what: `a "${message}" log line` });
  return found()!;
}

Deno.test({
  name: "metrics: Prometheus scraping METRICS_PORT sees the flow's requests, auth events, limits, hashes and mail",
  ignore: skipWithout("prometheus"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const metricsPort = freeServicePort();
    // On a database of its own (PGlite in its working directory): the outbox worker of any instance
    // delivers any due mail, and another test's development instance on the shared database would
    // take this flow's code into its own memory. Polling the outbox is public-tier traffic, kept out
    // of the flow's way (the 429 the flow needs is security_test's).
    const server = await startServer(
      { METRICS_PORT: String(metricsPort), RATE_LIMIT_PUBLIC_PER_MINUTE: "100000" },
      { unset: ["DATABASE_URL"] },
    );
    try {
      await logLine(server.lines, "metrics listening");
      const prometheus = await startPrometheus(`127.0.0.1:${metricsPort}`);
      try {
        const base = server.url;
        const api = runningServer(base);
        const email = `prom-${crypto.randomUUID().slice(0, 8)}@example.com`;
        const password = "correct horse battery staple";
        const statuses: number[] = [];
        const send = async (response: Promise<Response>) => {
          const answered = await response;
          statuses.push(answered.status);
          return answered;
        };
        await (await send(postJson(api, "/auth/signup", { email, password }))).body?.cancel();
        const otp = await mailedCode(api, email);
        await (await send(postJson(api, "/auth/verify-email", { email, otp }))).body?.cancel();
        await (await send(postJson(api, "/auth/signin", { email, password: "wrong password here" }))).body?.cancel();
        const signin = await send(postJson(api, "/auth/signin", { email, password }));
        const tokens = await signin.json();
        await (await send(fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })))
          .body?.cancel();
        await (await send(postJson(api, "/auth/refresh", { refresh_token: tokens.refresh_token }))).body?.cancel();
        for (let i = 0; i < 3; i++) await (await send(fetch(`${base}/security-test`))).body?.cancel();
        assertEquals(statuses, [201, 200, 401, 200, 200, 200, 200, 200, 429]);

        const value = async (promql: string) => {
          const samples = await prometheus.query(promql);
          return samples.length === 1 ? samples[0].value : samples.length === 0 ? undefined : NaN;
        };
        await untilPasses(async () => {
          assertEquals(
            {
              signup: await value('auth_events_total{type="signup"}'),
              verified: await value('auth_events_total{type="email_verified"}'),
              failed: await value('auth_events_total{type="signin_failed"}'),
              succeeded: await value('auth_events_total{type="signin_succeeded"}'),
              reused: await value('auth_events_total{type="refresh_token_reused"}'),
              signUp201: await value('http_requests_total{operation="signUp",status="201"}'),
              signIn401: await value('http_requests_total{operation="signIn",status="401"}'),
              signIn200: await value('http_requests_total{operation="signIn",status="200"}'),
              refresh200: await value('http_requests_total{operation="refreshTokens",status="200"}'),
              me200: await value('http_requests_total{operation="getCurrentUser",status="200"}'),
              securityTest429: await value('http_requests_total{operation="getSecurityTest",status="429"}'),
              signInLatencyCount: await value('http_request_duration_seconds_count{operation="signIn"}'),
              limited: await value(
                'rate_limit_decisions_total{tier="security_test",policy="security_test",outcome="limited"}',
              ),
              allowed: await value(
                'rate_limit_decisions_total{tier="security_test",policy="security_test",outcome="allowed"}',
              ),
              signinAccount: await value(
                'rate_limit_decisions_total{tier="auth",policy="signin_account",outcome="allowed"}',
              ),
              fallback: await value("rate_limit_store_fallback"),
              revocationDatabase: await value('revocation_checks_total{source="database"}'),
              hashes: await value('password_hash_duration_seconds_count{operation="hash"}'),
              verifications: await value('password_hash_duration_seconds_count{operation="verify"}'),
              rejected: await value("password_hash_rejected_total"),
              queue: await value("password_hash_queue_depth"),
              // The worker delivers whatever is due in the database, other instances' mail too
              sent: (await value('mail_deliveries_total{outcome="sent"}') ?? 0) >= 1,
              // The outbox gauges describe the database, which other instances may share (CI runs
              // servers side by side on one database): this instance's mail is there, at least
              outboxSent: (await value('mail_outbox_rows{status="sent"}') ?? 0) >= 1,
              outboxPending: (await value('mail_outbox_rows{status="pending"}') ?? -1) >= 0,
              oldestPending: (await value("mail_outbox_oldest_pending_age_seconds") ?? -1) >= 0,
              poolGauges: (await prometheus.query("db_pool_connections_in_use + db_pool_waiting")).length,
              up: await value('up{job="jessy-api"}'),
            },
            {
              signup: 1,
              verified: 1,
              failed: 1,
              succeeded: 1,
              reused: 0,
              signUp201: 1,
              signIn401: 1,
              signIn200: 1,
              refresh200: 1,
              me200: 1,
              securityTest429: 1,
              signInLatencyCount: 2,
              limited: 1,
              allowed: 2,
              signinAccount: 2,
              fallback: 0,
              revocationDatabase: 1,
              hashes: 1,
              verifications: 2,
              rejected: 0,
              queue: 0,
              sent: true,
              outboxSent: true,
              outboxPending: true,
              oldestPending: true,
              poolGauges: 1,
              up: 1,
            },
          );
        }, SCRAPES);
        // Process metrics work under Deno: CPU time and resident memory are read, not zero
        assertEquals((await value("process_cpu_seconds_total"))! > 0, true);
        assertEquals((await value("process_resident_memory_bytes"))! > 0, true);
      } finally {
        await prometheus.stop();
      }
    } finally {
      await server.stop();
    }
  },
});
