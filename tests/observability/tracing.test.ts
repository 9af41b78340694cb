/**
 * Traces: a spawned instance with Deno's OpenTelemetry on (OTEL_DENO=true) exports to a
 * loopback OTLP/HTTP receiver; each request is one trace, with bcrypt and SQL spans as
 * children, and the trace_id a problem body and the access log carry is that trace's id.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { postJson, serverAt } from "../helpers/http.ts";
import { startServer } from "../helpers/server.ts";
import { untilPasses } from "../helpers/until.ts";
import { otelEnv, SERVER_KIND, startOtlpReceiver } from "./_helpers.ts";

Deno.test({
  name: "tracing: one trace per request with bcrypt and SQL child spans, and the problem's trace_id is that trace",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const receiver = startOtlpReceiver();
    const server = await startServer({
      ...otelEnv(receiver.url),
      OTEL_DENO_CONSOLE: "ignore",
    });
    try {
      const email = `trace-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const signup = await postJson(serverAt(server.url), "/auth/signup", {
        email,
        password: "correct horse battery staple",
      });
      assertEquals(signup.status, 201);
      await signup.body?.cancel();
      const signin = await postJson(serverAt(server.url), "/auth/signin", {
        email,
        password: "not the password at all",
      });
      assertEquals(signin.status, 401);
      const problem = await signin.json();
      assert(/^[0-9a-f]{32}$/.test(problem.trace_id), `no trace_id in ${JSON.stringify(problem)}`);
      const requestId = signin.headers.get("X-Request-ID");

      await untilPasses(() => {
        const trace = receiver.spans().filter((span) => span.traceId === problem.trace_id);
        const names = trace.map((span) => span.name);
        assertEquals(trace.filter((span) => span.kind === SERVER_KIND).length, 1, `server spans in ${names}`);
        assert(names.includes("bcrypt.verify"), `no bcrypt span in ${names}`);
        assert(names.some((name) => /^SELECT users/.test(name)), `no SQL span in ${names}`);
        assert(names.some((name) => /^INSERT security_events/.test(name)), `no INSERT span in ${names}`);
        // Every span of the request descends from its server span
        const byId = new Map(trace.map((span) => [span.spanId, span]));
        for (const span of trace) {
          if (span.kind === SERVER_KIND) continue;
          let parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
          while (parent && parent.kind !== SERVER_KIND) {
            parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
          }
          assert(parent, `${span.name} is not under the request's span`);
        }
        // SQL spans name the operation and table, never the statement or its values
        for (const span of trace.filter((span) => /^(SELECT|INSERT|UPDATE|DELETE|WITH)/.test(span.name))) {
          const keys = (span.attributes ?? []).map((attribute) => attribute.key).sort();
          assert(!keys.includes("db.query.text"), `${span.name} carries its statement`);
          assert(!JSON.stringify(span).includes(email), `${span.name} carries a value`);
        }
      });
      // The sign-up was a trace of its own, with its bcrypt hash in it
      const signupTraces = new Set(
        receiver.spans().filter((span) => span.name === "bcrypt.hash").map((span) => span.traceId),
      );
      assertEquals(signupTraces.size, 1);
      assert(!signupTraces.has(problem.trace_id));
      assertEquals([...receiver.contentTypes], ["application/json"], "exported as OTLP/HTTP JSON");

      // The access log line of the request names the same trace
      await untilPasses(() => {
        const line = server.lines.find((candidate) =>
          candidate.message === "request" && candidate.request_id === requestId
        );
        assertEquals(line?.trace_id, problem.trace_id);
      });
    } finally {
      await server.stop();
      await receiver.close();
    }
  },
});
