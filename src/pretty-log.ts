/**
 * Log lines a person reads in development (LOG_FORMAT=pretty): the local time, the level and the
 * message in words, then the fields as `key=value`. The access log's line reads as the request
 * itself: `14:03:07.123 INFO  POST /auth/signin 200 12.5 ms req=…`. Every value is printed on
 * the line it belongs to, quoted and escaped when it holds spaces or control characters, so no
 * value can start a line of its own; only an error's stack frames follow, indented.
 * @module
 */

/** The access log's message (http/middleware/access-log.ts), laid out as a request line. */
const REQUEST_MESSAGE = "request";
const REQUEST_FIELDS = ["method", "route", "status", "duration_ms", "request_id", "trace_id"];

/** Renders one pretty line; `level` is a Logger level, `fields` as the JSON line would hold them. */
export function prettyLogLine(time: Date, level: string, message: string, fields: Record<string, unknown>): string {
  const head = `${clockTime(time)} ${level.toUpperCase().padEnd(5)} `;
  const frames: string[] = [];
  const pairs = (names: string[]) =>
    names.filter((name) => fields[name] !== undefined).map((name) => `${name}=${value(fields[name], frames)}`);
  if (message === REQUEST_MESSAGE && typeof fields.method === "string") {
    const rest = Object.keys(fields).filter((name) => !REQUEST_FIELDS.includes(name));
    const words = [
      value(fields.method, frames),
      value(fields.route, frames),
      value(fields.status, frames),
      `${value(fields.duration_ms, frames)} ms`,
      `req=${value(fields.request_id, frames)}`,
      ...(fields.trace_id ? [`trace=${value(fields.trace_id, frames)}`] : []),
      ...pairs(rest),
    ];
    return [head + words.join(" "), ...frames].join("\n");
  }
  const line = [escapeControl(message), ...pairs(Object.keys(fields))].join(" ");
  return [head + line, ...frames].join("\n");
}

/** HH:MM:SS.mmm in local time: the date is rarely in doubt while someone watches the terminal. */
function clockTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.` +
    String(time.getMilliseconds()).padStart(3, "0");
}

/** A field's value on the line; an error (as describeError renders it) adds its stack frames to `frames`. */
function value(field: unknown, frames: string[]): string {
  if (typeof field === "string") return /^[\x21-\x7e]+$/.test(field) && !/["=]/.test(field) ? field : quote(field);
  if (isDescribedError(field)) {
    let error: unknown = field;
    const chain: string[] = [];
    for (let depth = 0; isDescribedError(error) && depth < 5; depth++, error = error.cause) {
      chain.push(`${error.name}: ${error.message}`);
      const stack = typeof error.stack === "string" ? error.stack.split("\n") : [];
      if (depth > 0) frames.push(`    caused by ${escapeControl(`${error.name}: ${error.message}`)}`);
      frames.push(...stack.filter((line) => /^\s+at /.test(line)).map((line) => `    ${line.trim()}`));
    }
    return quote(chain.join(" ← "));
  }
  if (field !== null && typeof field === "object") return JSON.stringify(field);
  return String(field);
}

function isDescribedError(
  field: unknown,
): field is { name: string; message: string; stack?: unknown; cause?: unknown } {
  return field !== null && typeof field === "object" && typeof (field as { name?: unknown }).name === "string" &&
    typeof (field as { message?: unknown }).message === "string";
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** Control characters as JSON escapes them, so a message cannot break its line. */
function escapeControl(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (char) => JSON.stringify(char).slice(1, -1));
}
