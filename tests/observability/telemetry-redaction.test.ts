/**
 * No address, cursor or token from a query string reaches telemetry: a spawned instance with
 * Deno's OpenTelemetry on exports traces, metrics and logs to a loopback OTLP/HTTP receiver,
 * and none of them carries a query value as the span's, metric's or log's value. Deno 2.9
 * sets `url.full` and `url.query` on its own server span before any handler runs and appends
 * (rather than replaces) an attribute set again: its first, raw entries are superseded on the
 * span but still sent, which is why operators drop both keys in their collector.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startServer } from "../helpers/server.ts";
import { untilPasses } from "../helpers/until.ts";
import { otelEnv, type ReceivedSpan, SERVER_KIND, spansOf, startOtlpReceiver } from "./_helpers.ts";

type Attribute = NonNullable<ReceivedSpan["attributes"]>[number];
const SECRETS = {
  email: `secret-${crypto.randomUUID().slice(0, 8)}@victim.example`,
  cursor: `c-${crypto.randomUUID()}`,
  token: `tok-${crypto.randomUUID()}`,
};

/** A span's attributes as its readers see them: a key set again has its last value (OpenTelemetry's rule). */
function effective(attributes: Attribute[] = []): Map<string, unknown> {
  return new Map(attributes.map((attribute) => [attribute.key, attribute.value]));
}

function leaks(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
}

Deno.test({
  name:
    "telemetry: query values (admin address search, cursor, a stray access_token) reach no span, metric or log line",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const receiver = startOtlpReceiver();
    const server = await startServer({
      ...otelEnv(receiver.url),
      OTEL_METRIC_EXPORT_INTERVAL: "500",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_BLRP_SCHEDULE_DELAY: "200",
    });
    try {
      const query = `email=${encodeURIComponent(SECRETS.email)}&cursor=${SECRETS.cursor}&access_token=${SECRETS.token}`;
      const paths = [`/admin/users?${query}`, `/dev/mfa/code?${query}`, `/health/live?${query}`, `/nowhere?${query}`];
      for (const path of paths) await (await fetch(`${server.url}${path}`)).body?.cancel();

      await untilPasses(() => {
        const servers = spansOf(receiver.received.traces).filter((span) => span.kind === SERVER_KIND);
        assertEquals(servers.length, paths.length, "one server span per request");
        assert(receiver.received.metrics.some((payload) => payload.includes("http.server.request.duration")));
      });
      const spans = spansOf(receiver.received.traces);
      for (const span of spans) {
        const seen = effective(span.attributes);
        assertEquals(leaks(JSON.stringify([span.name, [...seen], span.events ?? []])), [], span.name);
        if (span.kind !== SERVER_KIND) continue;
        assertEquals(seen.get("url.query"), { stringValue: "email=REDACTED&cursor=REDACTED&access_token=REDACTED" });
        assert(String((seen.get("url.full") as { stringValue: string }).stringValue).endsWith("REDACTED"));
        // Whatever still holds a query value is Deno's own first write, superseded on the span
        const raw = (span.attributes ?? []).filter((attribute) => leaks(JSON.stringify(attribute)).length > 0);
        for (const attribute of raw) assert(["url.full", "url.query"].includes(attribute.key), attribute.key);
      }
      const routes = spans.filter((span) => span.kind === SERVER_KIND)
        .map((span) => (effective(span.attributes).get("http.route") as { stringValue?: string })?.stringValue);
      assert(routes.includes("/admin/users") && routes.includes("/health/live"), String(routes));

      assertEquals(leaks(receiver.received.metrics.join("\n")), [], "metrics");
      assertEquals(leaks(receiver.received.logs.join("\n")), [], "exported logs");
      assertEquals(leaks(JSON.stringify(server.lines) + server.stderr()), [], "the process's own output");
    } finally {
      await server.stop();
      await receiver.close();
    }
  },
});
