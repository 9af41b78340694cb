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

/** The trace id of the active span, or undefined when tracing is off (or nothing is being traced). */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}

export { SpanKind };
