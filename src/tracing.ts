/**
 * Spans for the work a request waits on (bcrypt, SQL statements, Redis commands) through the
 * OpenTelemetry API. Deno registers its built-in tracer with that API when started with
 * `OTEL_DENO=true`, and spans each incoming request itself; these spans become its children.
 * Without it the API's tracer is a no-op and a span costs next to nothing.
 * @module
 */
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("jessy-api");

/** Runs `work` inside a child span of the active one; an error marks the span and is rethrown. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span: Span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** What a query value becomes in telemetry: which parameters came is kept, never what they carried. */
export const REDACTED = "REDACTED";

/** `a=1&b=2` → `a=REDACTED&b=REDACTED` (names are the contract's; values are addresses, cursors, tokens). */
export function redactedQuery(search: string): string {
  const names = [...new URLSearchParams(search).keys()];
  return names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join("&");
}

/**
 * Overwrites the URL attributes Deno's own HTTP server span sets from the raw request
 * (`url.full`, `url.query`) with the query values redacted, and names the matched route. Deno
 * sets them before any handler runs, so this is the earliest they can be replaced. Deno 2.9
 * appends an attribute set twice instead of replacing it: its first, raw value is still
 * exported beside this one, and an OpenTelemetry Collector in front of the backend must delete
 * every `url.full` and `url.query` entry (see the operations documentation).
 */
export function redactRequestSpan(url: string, route?: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const parsed = new URL(url);
  const query = redactedQuery(parsed.search);
  span.setAttribute("url.full", `${parsed.origin}${parsed.pathname}${query ? `?${query}` : ""}`);
  span.setAttribute("url.query", query);
  if (route) span.setAttribute("http.route", route);
}

/** The trace id of the active span, or undefined when tracing is off (or nothing is being traced). */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}

export { SpanKind };
