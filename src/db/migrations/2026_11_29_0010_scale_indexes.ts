import { type Kysely, sql } from "kysely";

/**
 * Runs outside a transaction: CREATE INDEX CONCURRENTLY cannot run inside one, and a plain
 * CREATE INDEX would block every write to these tables for as long as the build reads them
 * (seconds at a million users; see docs/architecture.md). src/db/migrate.ts reads this flag.
 */
export const transactional = false;

const INDEXES: ReadonlyArray<{ name: string; table: string; definition: string }> = [
  // GET /auth/sessions: keyset pages of live sessions, newest first, each page as cheap as the first
  {
    name: "sessions_user_live_idx",
    table: "sessions",
    definition: "(user_id, created_at desc, id desc) where revoked_at is null",
  },
  // Housekeeping deletes expired sessions in batches; without this each batch scanned the table
  { name: "sessions_expires_at_idx", table: "sessions", definition: "(expires_at)" },
  // Housekeeping's retention sweep of the audit trail. On an expression, not on created_at itself: a created_at
  // index also serves "one user's events, newest first", and for a user whose events are older than most the
  // planner preferred it to the user's own index and read 100,000 rows for a page of 20
  {
    name: "security_events_retention_idx",
    table: "security_events",
    definition: "((created_at at time zone 'UTC'))",
  },
  // Housekeeping's retention sweep of settled mail
  {
    name: "mail_outbox_settled_idx",
    table: "mail_outbox",
    definition: "(created_at) where status in ('sent', 'failed')",
  },
  // Deleting a user cascades to refresh_tokens by user_id: without it, one delete scans every token
  { name: "refresh_tokens_user_id_idx", table: "refresh_tokens", definition: "(user_id)" },
  // Housekeeping's erasure of accounts past their grace period (2026_11_29_0008)
  {
    name: "users_deletion_due_idx",
    table: "users",
    definition: "(deletion_due_at) where deletion_due_at is not null",
  },
  // The admin API's prefix search and keyset pages over the normalized address, whatever the
  // database's collation (2026_11_29_0009)
  { name: "users_email_prefix_idx", table: "users", definition: `(email_normalized collate "C")` },
  // The admin API's audit pages and NDJSON export: every user's events in order (2026_11_29_0009)
  { name: "security_events_created_idx", table: "security_events", definition: "(created_at, id)" },
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
    await sql`create index concurrently if not exists ${sql.id(index.name)} on ${sql.table(index.table)} ${
      sql.raw(index.definition)
    }`.execute(db);
  }
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [...INDEXES].reverse()) await sql`drop index if exists ${sql.id(index.name)}`.execute(db);
}
