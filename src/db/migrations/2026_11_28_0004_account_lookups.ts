import { type Kysely, type RawBuilder, sql } from "kysely";

/**
 * Outside a transaction, so the indexes build CONCURRENTLY: mail_outbox holds millions of rows at
 * a million users, and a plain build blocked its writes for seconds (docs/architecture.md, "Migrations").
 */
export const transactional = false;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // The per-address mail throttle looks up the latest mail of one template to one address
  await buildConcurrently(db, "mail_outbox_recipient_idx", sql`mail_outbox (to_address, template, created_at desc)`);
  // Claiming due mail and releasing expired leases scan pending rows only
  await buildConcurrently(db, "mail_outbox_pending_idx", sql`mail_outbox (next_attempt_at) where status = 'pending'`);
}

/** Builds an index without blocking writes; an invalid leftover of a failed build is dropped first. */
// deno-lint-ignore no-explicit-any -- see up()
async function buildConcurrently(db: Kysely<any>, name: string, definition: RawBuilder<unknown>): Promise<void> {
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = ${name} and c.relnamespace = current_schema()::regnamespace`.execute(db);
  if (rows[0] && !rows[0].valid) await sql`drop index concurrently if exists ${sql.id(name)}`.execute(db);
  await sql`create index concurrently if not exists ${sql.id(name)} on ${definition}`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("mail_outbox_pending_idx").execute();
  await db.schema.dropIndex("mail_outbox_recipient_idx").execute();
}
