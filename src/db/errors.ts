/** The database cannot serve the request right now (down, unreachable or pool exhausted). */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** A statement, a transaction or the wait for a connection ran out of time. */
export class DatabaseTimeoutError extends DatabaseUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseTimeoutError";
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
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "EAI_AGAIN",
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
 * SQLSTATEs of a database that is refusing work for now rather than of a bug: 57P01 terminated
 * by an administrator, 57P02 crash shutdown, 57P03 "the database system is starting up / shutting
 * down / in recovery mode", 57P05 idle session timeout, 57014 statement cancelled (the server's
 * statement_timeout), 25P03 idle-in-transaction timeout, class 53 (too many connections, out of
 * memory or disk), and class 08 (connection exceptions) below.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "57P05", "57014", "25P03"]);

/**
 * True when an error means the database is unreachable or refusing work, rather than a
 * bug: a connection or socket failure, a deadline missed, or one of the SQLSTATEs above.
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
      if (/^(08|53)/.test(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * SQLSTATEs of a transaction that lost a race with a concurrent one and was rolled back whole:
 * 40001 serialization_failure and 40P01 deadlock_detected. Nothing it did stays, so the same
 * request sent again is safe and will most likely succeed.
 */
const TRANSIENT_CONFLICT_SQLSTATES = new Set(["40001", "40P01"]);

/** True when the database rolled the work back because of a concurrent transaction (see above). */
export function isTransientConflict(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = codeOf(current);
    if (code && TRANSIENT_CONFLICT_SQLSTATES.has(code)) return true;
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
