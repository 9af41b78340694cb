import { type Clock, systemClock, type TimerId } from "./clock.ts";
import { prettyLogLine } from "./pretty-log.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** One log call, for modules that take a log function rather than a Logger. */
export type LogFn = (level: LogLevel, message: string, fields?: LogFields) => void;

/** How lines are written: JSON objects for machines, or `pretty` lines a person reads in development. */
export const LOG_FORMATS = ["pretty", "json"] as const;
export type LogFormat = typeof LOG_FORMATS[number];

/** Structured logger: one line per call, a JSON object unless the format is `pretty`. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Renders an error for a log line: name, message, code and the chain of causes, plus the stack. */
export function describeError(error: unknown, depth = 0): LogFields | string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    stack: error.stack,
    ...(error.cause !== undefined && depth < 4 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}

function jsonLogLine(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  return JSON.stringify({ time: time.toISOString(), level, message, ...fields });
}

/** Where log lines go: `write` takes one line; `flush` pushes out whatever is held back. */
export interface LineSink {
  write(line: string): void;
  flush(): void;
}

/** Creates a logger writing lines through `write` (stdout by default), JSON unless `format` is `pretty`. */
export function createLogger(
  options: { level?: LogLevel; format?: LogFormat; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  const render = options.format === "pretty" ? prettyLogLine : jsonLogLine;
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (ORDER[level] < min) return;
    write(render(new Date(), level, message, fields));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/**
 * Holds lines for at most `maxDelayMs` (or until `maxBytes` pile up) and writes them in one
 * call. One write per request was the access log's main cost; a batch per few milliseconds
 * is not. Whoever exits the process calls `flush()` first, so nothing written is lost.
 */
export function createBatchedSink(
  output: { writeSync(bytes: Uint8Array): number },
  options: {
    maxDelayMs?: number;
    maxBytes?: number;
    /** Times the delay; the system's by default, as main.ts builds the sink before anything else */
    clock?: Clock;
  } = {},
): LineSink {
  const clock = options.clock ?? systemClock;
  const maxDelayMs = options.maxDelayMs ?? 10;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const encoder = new TextEncoder();
  let pending: string[] = [];
  let pendingBytes = 0;
  let timer: TimerId | undefined;

  function flush() {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    let bytes = encoder.encode(pending.join("\n") + "\n");
    pending = [];
    pendingBytes = 0;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(output.writeSync(bytes));
    } catch {
      // Output gone (a closed pipe): the batch is lost either way, and logging the failure
      // through this same sink would only fail again
    }
  }

  return {
    write(line) {
      pending.push(line);
      pendingBytes += line.length + 1;
      if (pendingBytes >= maxBytes) flush();
      else timer ??= clock.setTimeout(flush, maxDelayMs);
    },
    flush,
  };
}
