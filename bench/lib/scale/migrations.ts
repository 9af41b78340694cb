/**
 * Each migration replayed on the seeded database: the migrations after the last one that only
 * creates tables are reverted, then applied one at a time as `deno task migrate` applies them
 * (in a transaction, or alone for `transactional = false`), while another connection samples
 * pg_locks every 20 ms for the migrating backend. A lock counts as blocking writes when its mode
 * conflicts with the ROW EXCLUSIVE lock of INSERT/UPDATE/DELETE, on a table that existed before.
 */
import { type Kysely, sql as kysql } from "kysely";
import type { Migration } from "kysely/migration";
import type { Sql } from "postgres";
import { migrationProvider } from "../../../src/db/migrations/index.ts";
import { migrateDown } from "../../../src/db/migrate.ts";

/** Lock modes that make INSERT, UPDATE and DELETE wait. */
export const WRITE_BLOCKING_MODES = ["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"];

export interface MigrationAtSize {
  name: string;
  ms: number;
  /** Locks seen on tables that existed before: mode and how long it was held (ms, sampled) */
  locks: Array<{ table: string; mode: string; heldMs: number; blocksWrites: boolean }>;
  /** Longest hold of a write-blocking lock on an existing table */
  writeBlockedMs: number;
  note?: string;
}

/** Migrations before this one only create tables (on an empty database): not replayed. */
const FIRST_REPLAYED = "2026_11_28_0004_account_lookups";

// deno-lint-ignore no-explicit-any -- migrations work on any schema
export async function measureMigrations(db: Kysely<any>, watcher: Sql): Promise<MigrationAtSize[]> {
  const migrations = Object.entries(await migrationProvider.getMigrations()).sort(([a], [b]) => a.localeCompare(b));
  const replayed = migrations.filter(([name]) => name >= FIRST_REPLAYED);
  for (let i = 0; i < replayed.length; i++) await migrateDown(db);
  const results: MigrationAtSize[] = migrations.filter(([name]) => name < FIRST_REPLAYED).map(([name]) => ({
    name,
    ms: 0,
    locks: [],
    writeBlockedMs: 0,
    note: "creates tables only (run on an empty database)",
  }));
  for (const [name, migration] of replayed) {
    results.push(await replay(db, watcher, name, migration));
    console.log(`  ${name}: ${results.at(-1)!.ms.toFixed(0)} ms, writes blocked ${results.at(-1)!.writeBlockedMs} ms`);
  }
  return results;
}

// deno-lint-ignore no-explicit-any -- see measureMigrations
async function replay(db: Kysely<any>, watcher: Sql, name: string, migration: Migration): Promise<MigrationAtSize> {
  const existing = new Set(
    (await watcher`select relname from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`)
      .map((row) => row.relname as string),
  );
  const transactional = (migration as { transactional?: boolean }).transactional !== false;
  const seen = new Map<string, { first: number; last: number }>();
  let done = false;
  let pid = 0;
  const sampler = (async () => {
    while (!done) {
      if (pid) {
        const rows = await watcher`
          select c.relname, l.mode from pg_locks l join pg_class c on c.oid = l.relation
          where l.pid = ${pid} and l.locktype = 'relation' and l.granted and c.relkind = 'r'`;
        const now = performance.now();
        for (const row of rows) {
          const key = `${row.relname}\t${row.mode}`;
          const entry = seen.get(key);
          if (entry) entry.last = now;
          else seen.set(key, { first: now, last: now });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  try {
    await db.connection().execute(async (connection) => {
      pid = (await kysql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection)).rows[0].pid;
      if (transactional) await connection.transaction().execute((trx) => migration.up(trx));
      else await migration.up(connection);
      await kysql`insert into schema_migrations (name, timestamp) values (${name}, ${new Date().toISOString()})`
        .execute(connection);
    });
  } finally {
    done = true;
    await sampler;
  }
  const ms = performance.now() - started;
  const locks = [...seen.entries()]
    .map(([key, span]) => {
      const [table, mode] = key.split("\t");
      return {
        table,
        mode,
        heldMs: Math.round(span.last - span.first + 20),
        blocksWrites: WRITE_BLOCKING_MODES.includes(mode),
      };
    })
    .filter((lock) => existing.has(lock.table));
  const writeBlockedMs = Math.max(0, ...locks.filter((lock) => lock.blocksWrites).map((lock) => lock.heldMs));
  return { name, ms, locks, writeBlockedMs };
}
