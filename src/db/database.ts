import { Kysely, sql } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import { PGlite } from "@electric-sql/pglite";
import { PGliteDialect } from "kysely-pglite-dialect";
import { withTimeout } from "../timeout.ts";
import { BoundedDriver } from "./bounded-driver.ts";
import type { DB } from "./schema.ts";

export type DatabaseKind = "postgres" | "pglite";

/** A dedicated connection that receives NOTIFY messages, reopened by the caller when lost. */
export interface NotificationListener {
  /** Issues LISTEN on the channel (opening the connection); rejects when the database is unreachable */
  listen(channel: string): Promise<void>;
  /**
   * Sends a NOTIFY on the same dedicated connection, so that it never queues behind requests
   * for a pool connection; or through the pool, when that connection is in trouble
   */
  notify(channel: string, payload: string, through?: "listener" | "pool"): Promise<void>;
  /** Drops the connection for a new one (not listening yet), without waiting for the old one */
  reopen(): void;
  close(): Promise<void>;
}

export interface NotificationHandlers {
  onMessage(channel: string, payload: string): void;
  /** The listening connection closed: messages may have been missed */
  onClose(): void;
}

/** The Kysely instance plus what the app needs to check on and close it. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseKind;
  /** Resolves when a trivial query succeeds within `timeoutMs` */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: a connection for LISTEN/NOTIFY between instances */
  openListener?(handlers: NotificationHandlers): NotificationListener;
}

export interface DatabaseOptions {
  /** postgres:// URL; unset means embedded PGlite */
  url?: string;
  /** PGlite data directory; unset means in memory */
  dataDir?: string;
  poolSize?: number;
  /** How long a query may wait for a free connection before the request gets a 503 */
  acquireTimeoutMs?: number;
  connectTimeoutSeconds?: number;
  /** Schema to use instead of public (tests isolate themselves this way) */
  searchPath?: string;
}

/** Builds the database from options: postgres.js for a URL, PGlite otherwise. */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? createPostgres(options.url, options) : await createPglite(options.dataDir);
}

function withPing(
  db: Kysely<DB>,
  kind: DatabaseKind,
  close: () => Promise<void>,
  openListener?: Database["openListener"],
): Database {
  return {
    db,
    kind,
    openListener,
    async ping(timeoutMs = 2000) {
      await withTimeout(sql`select 1`.execute(db), timeoutMs, "The database");
    },
    close,
  };
}

function createPostgres(url: string, options: DatabaseOptions): Database {
  const poolSize = options.poolSize ?? 10;
  const client = postgres(url, {
    max: poolSize,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    // No idle timeout: postgres.js re-arms it (clearTimeout + setTimeout through Deno's Node
    // timers) around every query, about 10% of a token-checked request's CPU. Connections are
    // still recycled: each closes after max_lifetime (30-60 min by default) and reopens only
    // when needed, as a fixed-size pool of most servers does
    idle_timeout: 0,
    onnotice: () => {},
    // Dates and numbers come back as JS types on both drivers
    types: { bigint: postgres.BigInt },
    connection: {
      application_name: "jessy-api",
      ...(options.searchPath ? { search_path: options.searchPath } : {}),
    },
  });
  const dialect = new PostgresJSDialect({ postgres: client });
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 5000;
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => new BoundedDriver(dialect.createDriver(), poolSize, acquireTimeoutMs),
      createIntrospector: (kysely) => dialect.createIntrospector(kysely),
      createQueryCompiler: () => dialect.createQueryCompiler(),
    },
  });
  const openListener = (handlers: NotificationHandlers): NotificationListener => {
    // Each client is one connection, never idle-closed: LISTEN lives as long as the session.
    // A replaced client falls silent, so its late close cannot undo the new one's LISTEN
    let generation = 0;
    const connect = () => {
      const own = ++generation;
      const current = () => own === generation;
      // onnotify is a runtime option of postgres.js that its type declarations leave out
      const listenerOptions = {
        max: 1,
        idle_timeout: 0,
        max_lifetime: 0,
        connect_timeout: options.connectTimeoutSeconds ?? 5,
        fetch_types: false,
        onnotice: () => {},
        onnotify: (channel: string, payload: string) => current() && handlers.onMessage(channel, payload),
        onclose: () => current() && handlers.onClose(),
        connection: { application_name: "jessy-api-listener" },
      };
      return postgres(url, listenerOptions as postgres.Options<Record<string, never>>);
    };
    let listener = connect();
    return {
      async listen(channel) {
        await listener.unsafe(`listen "${channel.replaceAll('"', '""')}"`);
      },
      async notify(channel, payload, through = "listener") {
        if (through === "pool") await sql`select pg_notify(${channel}, ${payload})`.execute(db);
        else await listener`select pg_notify(${channel}, ${payload})`;
      },
      reopen() {
        const stale = listener;
        listener = connect();
        // Its queued queries fail at once; a stalled socket is not waited for
        stale.end({ timeout: 0 }).catch(() => {});
      },
      async close() {
        generation++;
        await listener.end({ timeout: 2 });
      },
    };
  };
  return withPing(db, "postgres", async () => {
    // end() with a timeout: a plain end() waits forever on a connection still retrying a dead server
    await client.end({ timeout: 2 });
    await db.destroy();
  }, openListener);
}

async function createPglite(dataDir?: string): Promise<Database> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const pglite = dataDir ? new PGlite(dataDir) : new PGlite();
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return withPing(db, "pglite", async () => {
    await db.destroy();
  });
}
