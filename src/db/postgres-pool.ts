/**
 * The connection pool in front of postgres.js: a fixed number of slots, each holding one
 * single-connection postgres.js client, leased to Kysely for one statement or one transaction at a
 * time, under a deadline.
 *
 * Why not postgres.js's own pool through `sql.reserve()`, as kysely-postgres-js does: postgres.js
 * 3.4.9 keeps sending on a reserved connection after its socket closed. `execute()` checks only
 * whether the connection was terminated, so the query becomes the connection's current one and a
 * `setImmediate` writes it to the null socket — the uncaught "Cannot read properties of null
 * (reading 'write')" at connection.js:255 — and nothing ever settles it: the socket is gone, so no
 * close event will come. In Kysely that query is the ROLLBACK sent after a statement failed on the
 * dropped connection, so the request hangs and its slot never returns. `release()` then puts the
 * dead connection back among the open ones, where the next query hangs the same way.
 *
 * Here no postgres.js connection is used again once it failed, closed or missed a deadline: its
 * client is ended (which rejects whatever it still holds) and the slot opens a new one for its
 * next lease. A lease ends by release or at its deadline, whichever comes first and only once, so
 * the count of slots in use stays exact whatever the caller or the driver does.
 *
 * Longer than most modules on purpose: the slot, lease and deadline state machine is one
 * invariant (every lease ends exactly once), and splitting it would spread that invariant thin.
 * @module
 */
import {
  AbortedTransactionError,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { type Clock, systemClock, type TimerId } from "../clock.ts";
import { DatabaseTimeoutError, DatabaseUnavailableError, isDatabaseUnavailable } from "./errors.ts";

/** A postgres.js result: the rows, plus the command tag and the affected row count. */
export interface PgResult extends ReadonlyArray<unknown> {
  readonly command: string;
  readonly count: number | null;
}

/** What the pool needs of a single-connection postgres.js client (`postgres(url, { max: 1 })`). */
export interface PgClient {
  unsafe(query: string, parameters: unknown[], options: { prepare: boolean }): PromiseLike<PgResult>;
  end(options: { timeout: number }): Promise<void>;
}

export interface PostgresPoolOptions {
  /** Slots, hence connections at most */
  size: number;
  /**
   * How long one statement, or one transaction from BEGIN to COMMIT, may take, the wait for a
   * slot included; 0 for none (migrations)
   */
  statementTimeoutMs: number;
  /** Longest wait for a free slot (within the statement deadline) */
  acquireTimeoutMs: number;
  clock?: Clock;
  /**
   * How long a connection serves before it is replaced, drawn for each one (default 30–60 min,
   * as postgres.js's own max_lifetime, which must be off: it ends a connection between two
   * statements of a transaction it does not know about)
   */
  lifetimeMs?: () => number;
  /** Opens a client of one connection; `onClose` runs whenever that connection closes or fails to open */
  openClient(onClose: () => void): PgClient;
}

/** The pool's counters, for liveness and for tests. */
export interface PoolStats {
  readonly size: number;
  /** Slots leased now */
  readonly inUse: number;
  /** Callers waiting for a slot */
  readonly waiting: number;
  /** When a lease last ended, released or expired (Clock.monotonicMs) */
  readonly lastReturnMs: number;
  /** Since when every statement has failed to reach the database; undefined once one succeeds */
  readonly failingSinceMs: number | undefined;
  /** When a statement last failed to reach the database */
  readonly lastFailureMs: number | undefined;
  /** Clients thrown away: their connection failed, closed or missed a deadline */
  readonly discarded: number;
  /** Leases and waits that ran out of time */
  readonly timedOut: number;
  /** Waits for a free connection that ran out of time (part of `timedOut`) */
  readonly acquireTimedOut: number;
}

interface Waiter {
  grant(slot: Slot): void;
  refuse(error: Error): void;
  expiresMs: number;
}

/** One connection's place in the pool; its client is replaced whenever it cannot be trusted. */
class Slot {
  #client: PgClient | undefined;
  #broken = false;
  #retireAtMs = Infinity;

  constructor(private readonly pool: PostgresPool) {}

  /**
   * The slot's client for a new lease: a new one when the last was thrown away, lost its
   * connection or served its lifetime. Only here, between leases, is a connection retired.
   */
  client(): PgClient {
    if (this.#broken || (this.#client && this.pool.nowMs() >= this.#retireAtMs)) void this.discard();
    if (!this.#client) {
      const client: PgClient = this.pool.openClient(() => this.#closed(client));
      this.#client = client;
      this.#retireAtMs = this.pool.nowMs() + this.pool.lifetimeMs();
    }
    return this.#client;
  }

  /** True while `client` is the slot's client and nothing went wrong on its connection. */
  trusts(client: PgClient): boolean {
    return client === this.#client && !this.#broken;
  }

  /** Nothing more is sent on the current client; the next lease opens a new one. */
  markBroken(): void {
    this.#broken = true;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Ends the current client at once: postgres.js rejects whatever it still had pending. */
  discard(): Promise<void> {
    this.#broken = false;
    const client = this.#client;
    if (!client) return Promise.resolve();
    this.#client = undefined;
    this.pool.countDiscarded();
    return client.end({ timeout: 0 }).catch(() => {});
  }

  #closed(client: PgClient): void {
    if (client !== this.#client) return;
    this.#broken = true;
    this.pool.connectionLost(this);
  }
}

/** A slot lent to Kysely for one statement or one transaction. */
class Lease implements DatabaseConnection {
  #ended = false;
  readonly #pending = new Set<(error: Error) => void>();

  /** The connection of the whole lease: a transaction never continues on another one */
  readonly #client: PgClient;

  constructor(private readonly pool: PostgresPool, readonly slot: Slot, readonly deadlineMs: number) {
    this.#client = slot.client();
  }

  get ended(): boolean {
    return this.#ended;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#ended) {
      return Promise.reject(new DatabaseTimeoutError("The database connection was given up at its deadline"));
    }
    if (!this.slot.trusts(this.#client)) {
      return Promise.reject(new DatabaseUnavailableError("The database connection was lost"));
    }
    const sent = this.#client.unsafe(query.sql, query.parameters as unknown[], { prepare: true });
    return new Promise<QueryResult<R>>((resolve, reject) => {
      const fail = (error: Error) => {
        if (this.#pending.delete(fail)) reject(error);
      };
      this.#pending.add(fail);
      sent.then(
        (result) => {
          if (!this.#pending.delete(fail)) return;
          this.pool.statementSucceeded();
          resolve(toQueryResult<R>(result));
        },
        (error: unknown) => {
          if (!this.#pending.delete(fail)) return;
          if (leavesConnectionUnusable(error)) {
            this.slot.markBroken();
            this.pool.statementFailed();
          }
          reject(asDatabaseError(error));
        },
      );
    });
  }

  // deno-lint-ignore require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries is not supported by this pool");
  }

  /** Rejects what is still pending on the lease (its connection is gone or out of time); how many were. */
  failPending(error: Error): number {
    const pending = [...this.#pending];
    for (const fail of pending) fail(error);
    return pending.length;
  }

  /** Marks the lease over; false when it already was (a release after the deadline). */
  end(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    return true;
  }
}

/**
 * A Kysely driver over postgres.js with a bounded pool of single-connection clients (see the
 * module comment). An exhausted pool answers a waiting caller with DatabaseUnavailableError when
 * the acquire timeout or the statement deadline runs out, and a statement or transaction that
 * outlives its deadline gets DatabaseTimeoutError while its connection is thrown away.
 */
export class PostgresPool implements Driver {
  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #acquireTimeoutMs: number;
  readonly #clock: Clock;
  readonly #idle: Slot[];
  readonly #leases = new Set<Lease>();
  readonly #waiters: Waiter[] = [];
  #sweeper: TimerId | undefined;
  #lastReturnMs: number;
  #failingSinceMs: number | undefined;
  #lastFailureMs: number | undefined;
  #discarded = 0;
  #timedOut = 0;
  #acquireTimedOut = 0;
  #destroyed = false;
  readonly openClient: (onClose: () => void) => PgClient;
  readonly lifetimeMs: () => number;

  constructor(options: PostgresPoolOptions) {
    this.#size = options.size;
    this.#timeoutMs = options.statementTimeoutMs;
    this.#acquireTimeoutMs = options.acquireTimeoutMs;
    this.#clock = options.clock ?? systemClock;
    this.openClient = options.openClient;
    this.lifetimeMs = options.lifetimeMs ?? (() => (30 + Math.random() * 30) * 60_000);
    this.#idle = Array.from({ length: options.size }, () => new Slot(this));
    this.#lastReturnMs = this.#clock.monotonicMs();
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  stats(): PoolStats {
    return {
      size: this.#size,
      inUse: this.#size - this.#idle.length,
      waiting: this.#waiters.length,
      lastReturnMs: this.#lastReturnMs,
      failingSinceMs: this.#failingSinceMs,
      lastFailureMs: this.#lastFailureMs,
      discarded: this.#discarded,
      timedOut: this.#timedOut,
      acquireTimedOut: this.#acquireTimedOut,
    };
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed) return Promise.reject(new DatabaseUnavailableError("The database is closing"));
    const nowMs = this.#clock.monotonicMs();
    const deadlineMs = this.#timeoutMs > 0 ? nowMs + this.#timeoutMs : Infinity;
    const slot = this.#idle.pop();
    if (slot) return Promise.resolve(this.#lease(slot, deadlineMs));
    return new Promise((resolve, reject) => {
      this.#waiters.push({
        grant: (granted) => resolve(this.#lease(granted, deadlineMs)),
        refuse: reject,
        expiresMs: Math.min(nowMs + this.#acquireTimeoutMs, deadlineMs),
      });
      this.#startSweeping();
    });
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (!lease.end()) return Promise.resolve();
    this.#leases.delete(lease);
    if (lease.slot.broken) void lease.slot.discard();
    this.#giveBack(lease.slot);
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = "begin";
    if (settings.isolationLevel || settings.accessMode) {
      statement = "start transaction";
      if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) statement += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw("commit"));
    // PostgreSQL answers COMMIT with ROLLBACK when an earlier statement aborted the transaction
    if ((rows as unknown as PgResult).command === "ROLLBACK") throw new AbortedTransactionError();
  }

  /**
   * Rolls back on a usable connection. On a lost one there is nothing to send: the server rolls
   * back when the connection ends, and the caller rethrows the failure that brought it here.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (lease.ended || lease.slot.broken) return;
    try {
      await lease.executeQuery(CompiledQuery.raw("rollback"));
    } catch {
      lease.slot.markBroken();
    }
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.refuse(new DatabaseUnavailableError("The database is closing"));
    }
    this.#clock.clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const slots = [...this.#idle, ...[...this.#leases].map((lease) => lease.slot)];
    for (const lease of this.#leases) lease.failPending(new DatabaseUnavailableError("The database is closing"));
    this.#leases.clear();
    await Promise.all(slots.map((slot) => slot.discard()));
  }

  /** A slot's connection closed or failed to open: whatever its lease was waiting for is lost. */
  connectionLost(slot: Slot): void {
    for (const lease of this.#leases) {
      if (lease.slot !== slot) continue;
      if (lease.failPending(new DatabaseUnavailableError("The database connection closed")) > 0) {
        this.statementFailed();
      }
    }
  }

  nowMs(): number {
    return this.#clock.monotonicMs();
  }

  statementSucceeded(): void {
    this.#failingSinceMs = undefined;
  }

  statementFailed(): void {
    this.#lastFailureMs = this.#clock.monotonicMs();
    this.#failingSinceMs ??= this.#lastFailureMs;
  }

  countDiscarded(): void {
    this.#discarded++;
  }

  #lease(slot: Slot, deadlineMs: number): Lease {
    const lease = new Lease(this, slot, deadlineMs);
    this.#leases.add(lease);
    if (deadlineMs !== Infinity) this.#startSweeping();
    return lease;
  }

  /** The slot goes to the longest waiter, or back to the idle ones. */
  #giveBack(slot: Slot): void {
    this.#lastReturnMs = this.#clock.monotonicMs();
    if (this.#destroyed) {
      void slot.discard();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.grant(slot);
    else this.#idle.push(slot);
  }

  /**
   * One timer checks every deadline while a lease or a waiter has one, instead of a timer armed
   * and cleared per statement; a deadline is met at most one tick late.
   */
  #startSweeping(): void {
    if (this.#sweeper !== undefined) return;
    const tickMs = Math.max(10, Math.min(100, Math.min(this.#timeoutMs || Infinity, this.#acquireTimeoutMs) / 10));
    this.#sweeper = this.#clock.setInterval(() => this.#sweep(), tickMs);
  }

  #sweep(): void {
    const nowMs = this.#clock.monotonicMs();
    // Waiters queue in order of arrival, and all wait alike: the oldest expires first
    while (this.#waiters.length > 0 && this.#waiters[0].expiresMs <= nowMs) {
      this.#timedOut++;
      this.#acquireTimedOut++;
      this.#waiters.shift()!.refuse(new DatabaseTimeoutError("Timed out waiting for a database connection"));
    }
    let deadlines = false;
    for (const lease of [...this.#leases]) {
      if (lease.deadlineMs > nowMs) {
        deadlines ||= lease.deadlineMs !== Infinity;
        continue;
      }
      this.#expire(lease);
    }
    if (this.#waiters.length === 0 && !deadlines) {
      this.#clock.clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** A lease past its deadline: its statement fails, its connection is thrown away, its slot returns. */
  #expire(lease: Lease): void {
    lease.end();
    this.#leases.delete(lease);
    this.#timedOut++;
    this.statementFailed();
    void lease.slot.discard();
    lease.failPending(new DatabaseTimeoutError(`The database did not answer within ${this.#timeoutMs} ms`));
    this.#giveBack(lease.slot);
  }
}

function toQueryResult<R>(result: PgResult): QueryResult<R> {
  const { command, count } = result;
  const changed = command === "INSERT" || command === "UPDATE" || command === "DELETE" || command === "MERGE";
  // The rows are the result itself, an array (no copy); `command` stays readable on it for COMMIT
  return { numAffectedRows: changed && count !== null ? BigInt(count) : undefined, rows: result as unknown as R[] };
}

/**
 * True unless the server answered the statement with an ordinary error on a healthy connection:
 * connection failures, fatal errors (the server closes the connection after them) and anything
 * the driver threw on its own leave a connection nobody should send to again.
 */
function leavesConnectionUnusable(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const { name, severity } = error as { name?: unknown; severity?: unknown };
  return name !== "PostgresError" || severity === "FATAL" || severity === "PANIC";
}

/** A failure without an SQLSTATE or socket code came from inside the driver: an unavailable database to the caller. */
function asDatabaseError(error: unknown): unknown {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code === "string") return error;
  return new DatabaseUnavailableError("The database driver failed", { cause: error });
}
