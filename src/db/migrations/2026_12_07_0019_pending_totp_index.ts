import { type Kysely, sql } from "kysely";

/**
 * The index housekeeping's sweep of abandoned authenticator enrolments reads in order: a TOTP
 * factor nobody activated is dead once `pending_until` has passed. Partial, so the factors that
 * are on (their `pending_until` is null) never enter it: it holds only enrolments in progress.
 * (Expired MFA challenges are swept through `mfa_challenges_expires_at_idx` from 0017.)
 *
 * Runs outside a transaction: CREATE INDEX CONCURRENTLY cannot run inside one, and does not
 * block enrolments or sign-ins while it builds. src/db/migrate.ts reads this flag.
 */
export const transactional = false;

const NAME = "totp_factors_pending_until_idx";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // A concurrent build that failed leaves an invalid index behind: drop it and build again
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i
    join pg_class c on c.oid = i.indexrelid
    where c.relname = ${NAME} and c.relnamespace = current_schema()::regnamespace`.execute(db);
  if (rows[0] && !rows[0].valid) await sql`drop index concurrently if exists ${sql.id(NAME)}`.execute(db);
  await sql`create index concurrently if not exists ${sql.id(NAME)}
    on totp_factors (pending_until) where pending_until is not null`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists ${sql.id(NAME)}`.execute(db);
}
