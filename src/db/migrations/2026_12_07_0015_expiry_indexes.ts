import { type Kysely, sql } from "kysely";

/**
 * Indexes housekeeping's new sweeps read in order: pending sign-ups by age (they expire after
 * PENDING_SIGNUP_TTL_DAYS, taking an unverified account with its last one) and known devices by
 * expiry. Without them each run would read both tables whole.
 *
 * Runs outside a transaction: CREATE INDEX CONCURRENTLY cannot run inside one, and does not
 * block sign-ups or sign-ins while it builds. src/db/migrate.ts reads this flag.
 */
export const transactional = false;

const INDEXES = [
  { name: "pending_signups_created_idx", on: sql`pending_signups (created_at)` },
  { name: "known_devices_expires_idx", on: sql`known_devices (expires_at)` },
];

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  for (const index of INDEXES) {
    // A concurrent build that failed leaves an invalid index behind: drop it and build again
    const { rows } = await sql<{ valid: boolean }>`
      select i.indisvalid as valid from pg_index i
      join pg_class c on c.oid = i.indexrelid
      where c.relname = ${index.name} and c.relnamespace = current_schema()::regnamespace`.execute(db);
    if (rows[0] && !rows[0].valid) await sql`drop index concurrently if exists ${sql.id(index.name)}`.execute(db);
    await sql`create index concurrently if not exists ${sql.id(index.name)} on ${index.on}`.execute(db);
  }
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of INDEXES) await sql`drop index if exists ${sql.id(index.name)}`.execute(db);
}
