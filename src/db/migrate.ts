import type { Kysely } from "kysely";
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from "kysely/migration";
import { migrationProvider } from "./migrations/index.ts";

// deno-lint-ignore no-explicit-any -- the migrator works on any schema
function migratorFor(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: migrationProvider, migrationTableName: "schema_migrations" });
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) throw result.error;
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}: ${r.status}`);
}

/** Applies every pending migration; returns one line per migration run. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateToLatest());
}

/** Reverts the most recent migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateDown());
}

/** Reverts every migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateReset(db: Kysely<any>): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateTo(NO_MIGRATIONS));
}
