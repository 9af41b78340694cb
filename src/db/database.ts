import { Kysely, sql } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import { PGlite } from "@electric-sql/pglite";
import { PGliteDialect } from "kysely-pglite-dialect";
import { withTimeout } from "../timeout.ts";
import { BoundedDriver } from "./bounded-driver.ts";
import type { DB } from "./schema.ts";

export type DatabaseKind = "postgres" | "pglite";

/** The Kysely instance plus what the app needs to check on and close it. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseKind;
  /** Resolves when a trivial query succeeds within `timeoutMs` */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
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

function withPing(db: Kysely<DB>, kind: DatabaseKind, close: () => Promise<void>): Database {
  return {
    db,
    kind,
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
  return withPing(db, "postgres", async () => {
    // end() with a timeout: a plain end() waits forever on a connection still retrying a dead server
    await client.end({ timeout: 2 });
    await db.destroy();
  });
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
