import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from "kysely";
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from "kysely/migration";
import { migrationProvider } from "./migrations/index.ts";

/**
 * The migrator works in the connection's current schema. Naming it matters: without a
 * schema, Kysely looks for its bookkeeping tables in every schema and can mistake another
 * schema's for its own.
 */
// deno-lint-ignore no-explicit-any -- the migrator works on any schema
async function migratorFor(db: Kysely<any>): Promise<Migrator> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0].schema;
  return new Migrator({
    db: withIntrospectionOf(db, schema),
    provider: migrationProvider,
    migrationTableName: "schema_migrations",
    migrationTableSchema: schema,
  });
}

/**
 * The migrator asks the introspector whether its tables exist. Kysely's lists the columns of
 * every table in every schema, and that query fails when another schema is dropped meanwhile
 * (another service, or a parallel test run on the same database); this one looks at one schema.
 */
// deno-lint-ignore no-explicit-any -- see migratorFor
function withIntrospectionOf<T extends Kysely<any>>(db: T, schema: string): T {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'p')`.execute(db);
    return rows.map(({ name }) => ({ name, schema, isView: false, isForeign: false, columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    getSchemas: () => Promise.resolve([{ name: schema }]),
    getTables,
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value = Reflect.get(target, property, target);
      // Kysely keeps its state in private fields: methods must run on the real instance
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) throw result.error;
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}: ${r.status}`);
}

/**
 * A migration module that exports `transactional = false` runs outside a transaction (it builds
 * indexes CONCURRENTLY, which PostgreSQL refuses inside one); every other migration runs in one.
 */
function isTransactional(migration: object): boolean {
  return (migration as { transactional?: boolean }).transactional !== false;
}

/** Our own lock around every migration run, whatever schema it migrates. */
const MIGRATION_LOCK_ID = 4_207_351_929;
const LOCK_POLL_MS = 50;

/**
 * Runs `work` on one connection holding the database-wide migration lock. The lock is taken by
 * polling `pg_try_advisory_lock`, never by waiting inside a statement: a session waiting in
 * `pg_advisory_lock` (or in Kysely's own lock, inside its migration transaction) holds a snapshot
 * meanwhile, and the holder's CREATE INDEX CONCURRENTLY waits for every older snapshot to end —
 * two instances (or two test schemas) migrating at once deadlocked that way. PGlite has one
 * connection and takes the lock at once.
 */
// deno-lint-ignore no-explicit-any -- see migratorFor
async function underMigrationLock<T>(db: Kysely<any>, work: (db: Kysely<any>) => Promise<T>): Promise<T> {
  return await db.connection().execute(async (connection) => {
    for (;;) {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${MIGRATION_LOCK_ID}) as locked`
        .execute(connection);
      if (rows[0].locked) break;
      // Real time on purpose: another process's migration is what we wait for
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    try {
      return await work(connection);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(connection);
    }
  });
}

/**
 * Applies every pending migration; returns one line per migration run. Consecutive
 * transactional migrations share one transaction (all or none of them apply); a
 * non-transactional one runs alone. The whole run holds the migration lock.
 */
// deno-lint-ignore no-explicit-any -- see migratorFor
export function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return underMigrationLock(db, migratePending);
}

// deno-lint-ignore no-explicit-any -- see migratorFor
async function migratePending(db: Kysely<any>): Promise<string[]> {
  const migrator = await migratorFor(db);
  const pending = (await migrator.getMigrations()).filter((info) => info.executedAt === undefined);
  const lines: string[] = [];
  let start = 0;
  while (start < pending.length) {
    const transactional = isTransactional(pending[start].migration);
    let end = start;
    while (end + 1 < pending.length && isTransactional(pending[end + 1].migration) === transactional) end++;
    lines.push(...unwrap(await migrator.migrateTo(pending[end].name, { disableTransactions: !transactional })));
    start = end + 1;
  }
  return lines;
}

/** Reverts the most recent migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export function migrateDown(db: Kysely<any>): Promise<string[]> {
  return underMigrationLock(db, async (connection) => unwrap(await (await migratorFor(connection)).migrateDown()));
}

/** Reverts every migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export function migrateReset(db: Kysely<any>): Promise<string[]> {
  return underMigrationLock(
    db,
    async (connection) => unwrap(await (await migratorFor(connection)).migrateTo(NO_MIGRATIONS)),
  );
}
