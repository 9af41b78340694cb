/** The database cannot serve the request right now (down, unreachable or pool exhausted). */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

// postgres.js connection error codes and Node-style socket errors.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * True when an error means the database is unreachable or refusing work, rather than a
 * bug: SQLSTATE class 08 (connection), 57P01–57P03 (shutdown, terminated backend, starting
 * up), 53300 (too many connections), or a socket-level failure.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    if (current instanceof Deno.errors.ConnectionRefused || current instanceof Deno.errors.ConnectionReset) {
      return true;
    }
    const code = codeOf(current);
    if (code) {
      if (CONNECTION_CODES.has(code)) return true;
      if (/^08/.test(code) || ["57P01", "57P02", "57P03", "53300"].includes(code)) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True for a Postgres unique_violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === "23505";
}

/**
 * True when PostgreSQL refused a value's characters (NUL in text, or bytes invalid in the
 * database encoding): the client sent text the service cannot store.
 */
export function isUnstorableText(error: unknown): boolean {
  const code = codeOf(error);
  return code === "22021" || code === "22P05";
}
