import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import postgres from "postgres";
import { PGlite } from "@electric-sql/pglite";
import { PGliteDialect } from "kysely-pglite-dialect";
import { type Clock, systemClock } from "../clock.ts";
import { withTimeout } from "../timeout.ts";
import { DatabaseTimeoutError } from "./errors.ts";
import { createLivenessMonitor, type Liveness } from "./liveness.ts";
import { type PgClient, type PoolStats, PostgresPool } from "./postgres-pool.ts";
import type { DB } from "./schema.ts";
import { tracedDriver } from "./traced-driver.ts";

export type DatabaseKind = "postgres" | "pglite";

/** The Kysely instance plus what the app needs to check on and close it. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseKind;
  /** Resolves when a trivial query succeeds within `timeoutMs` */
  ping(timeoutMs?: number): Promise<void>;
  /** Whether this instance can still serve from its database; answers at once (see db/liveness.ts) */
  live(): Liveness;
  /** The pool's counters (PostgreSQL only) */
  stats(): PoolStats | undefined;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; unset means embedded PGlite */
  url?: string;
  /** PGlite data directory; unset means in memory */
  dataDir?: string;
  /**
   * PGlite in memory: start from this data directory, as PGlite's dumpDataDir wrote it,
   * instead of a new cluster (skips initdb, the slowest part of a start)
   */
  initialData?: Blob;
  poolSize?: number;
  /**
   * Deadline of one statement, or of one transaction from BEGIN to COMMIT, the wait for a
   * connection included (PostgreSQL only); 0 for none, as migrations run
   */
  statementTimeoutMs?: number;
  /** Longest wait for a free connection, within the statement deadline */
  acquireTimeoutMs?: number;
  connectTimeoutSeconds?: number;
  /** Schema to use instead of public (tests isolate themselves this way) */
  searchPath?: string;
  clock?: Clock;
  /** Span every statement (OpenTelemetry; see tracing.ts) */
  traced?: boolean;
}

/** DATABASE_STATEMENT_TIMEOUT_MS when unset. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 5000;

/** Builds the database from options: postgres.js for a URL, PGlite otherwise. */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? createPostgres(options.url, options) : await createPglite(options);
}

function ping(db: Kysely<DB>) {
  return async (timeoutMs = 2000) => {
    await withTimeout(sql`select 1`.execute(db), timeoutMs, "The database");
  };
}

/**
 * How long the pool may stay exhausted or cut off from a database that answers others before
 * liveness fails: three deadlines, at least 10 s, so one slow burst never restarts an instance.
 */
export function livenessBoundMs(statementTimeoutMs: number): number {
  return Math.max(10_000, 3 * (statementTimeoutMs || DEFAULT_STATEMENT_TIMEOUT_MS));
}

/** postgres.js settings of every connection the service opens. */
function clientOptions(options: DatabaseOptions, statementTimeoutMs: number) {
  return {
    max: 1,
    connect_timeout: options.connectTimeoutSeconds ?? (statementTimeoutMs > 0 ? statementTimeoutMs / 1000 : 5),
    // No idle timeout: postgres.js re-arms it (clearTimeout + setTimeout through Deno's Node
    // timers) around every query, about 10% of a token-checked request's CPU. Connections are
    // still recycled: the pool replaces each after 30-60 min, between two leases. Not through
    // max_lifetime: postgres.js would end a connection between two statements of a transaction
    // it does not know about, and run the next statement on a new connection, outside it
    idle_timeout: 0,
    max_lifetime: 0,
    // No array-type lookup on connect: no statement sends or reads arrays, and a lookup cut
    // short by a dropped connection rejects inside postgres.js where nobody awaits it
    fetch_types: false,
    onnotice: () => {},
    // Dates and numbers come back as JS types on both drivers
    types: { bigint: postgres.BigInt },
    connection: {
      application_name: "jessy-api",
      ...(options.searchPath ? { search_path: options.searchPath } : {}),
      // The server gives up too, so what a vanished client left (a statement waiting on a
      // lock, a transaction holding row locks) does not outlive the deadline by long
      ...(statementTimeoutMs > 0
        ? {
          statement_timeout: statementTimeoutMs,
          idle_in_transaction_session_timeout: statementTimeoutMs,
        }
        : {}),
    },
  };
}

function createPostgres(url: string, options: DatabaseOptions): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const settings = clientOptions(options, statementTimeoutMs);
  const pool = new PostgresPool({
    size: options.poolSize ?? 10,
    statementTimeoutMs,
    acquireTimeoutMs: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    clock,
    openClient: (onClose) => postgres(url, { ...settings, onclose: onClose }) as unknown as PgClient,
  });
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => options.traced ? tracedDriver(pool) : pool,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const probeTimeoutMs = statementTimeoutMs || DEFAULT_STATEMENT_TIMEOUT_MS;
  const live = createLivenessMonitor({
    clock,
    stats: () => pool.stats(),
    stuckAfterMs: livenessBoundMs(statementTimeoutMs),
    probeDatabase: () => reachDirectly(url, settings, clock, probeTimeoutMs),
    probePool: async () => {
      await sql`select 1`.execute(db);
    },
  });
  return {
    db,
    kind: "postgres",
    ping: ping(db),
    live,
    stats: () => pool.stats(),
    close: () => db.destroy(),
  };
}

/** One `select 1` on a connection of its own, outside the pool, within `timeoutMs`. */
async function reachDirectly(
  url: string,
  settings: ReturnType<typeof clientOptions>,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  const client = postgres(url, settings);
  const answered = client.unsafe("select 1").then(() => {});
  // Given up at the deadline, the query still rejects when the client ends: nobody else awaits it
  answered.catch(() => {});
  let timer;
  try {
    await Promise.race([
      answered,
      new Promise((_, reject) => {
        timer = clock.setTimeout(() => reject(new DatabaseTimeoutError("The database did not answer")), timeoutMs);
      }),
    ]);
  } finally {
    clock.clearTimeout(timer);
    client.end({ timeout: 0 }).catch(() => {});
  }
}

async function createPglite({ dataDir, initialData, traced = false }: DatabaseOptions): Promise<Database> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const pglite = dataDir ? new PGlite(dataDir) : new PGlite(initialData ? { loadDataDir: initialData } : {});
  await pglite.waitReady;
  const dialect = new PGliteDialect(pglite);
  const db = new Kysely<DB>({
    dialect: traced
      ? {
        createAdapter: () => dialect.createAdapter(),
        createDriver: () => tracedDriver(dialect.createDriver()),
        createIntrospector: (kysely) => dialect.createIntrospector(kysely),
        createQueryCompiler: () => dialect.createQueryCompiler(),
      }
      : dialect,
  });
  return {
    db,
    kind: "pglite",
    ping: ping(db),
    // In-process: there is no connection to lose
    live: () => ({ live: true }),
    stats: () => undefined,
    close: async () => {
      await db.destroy();
    },
  };
}
