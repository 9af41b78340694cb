import { type Kysely, sql } from "kysely";

/**
 * The sealed successor pairs of the reuse grace window move out of refresh_tokens into a table
 * of their own, which holds only the pairs still inside a window.
 *
 * Why: refresh_tokens_sealed_idx was a partial index whose predicate reads successor_sealed, so
 * every refresh's UPDATE that set or cleared a seal changed an indexed column: PostgreSQL could
 * not update the row in place (HOT) and added an entry to each of the table's six indexes, twice
 * per refresh (docs/architecture.md, "Hot paths"). Now a refresh's UPDATE of refresh_tokens sets only columns no
 * index reads.
 *
 * Runs outside a transaction: the table is created in one of its own, the pairs still inside a
 * window (60 s at most) are copied in another, and the partial index is dropped CONCURRENTLY, so
 * no step blocks writes to refresh_tokens. The successor_sealed column stays, unwritten: an
 * instance of the previous version may still write and read it while a deploy rolls (this one
 * reads it when the new table has no pair), and a later migration drops it.
 */
export const transactional = false;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      create table if not exists refresh_successors (
        token_id uuid primary key,
        session_id uuid not null,
        sealed text not null,
        consumed_at timestamptz not null
      )`.execute(trx);
    // The next refresh of the session erases its pairs whose window is over; housekeeping, the rest
    await sql`create index if not exists refresh_successors_session_idx on refresh_successors (session_id, consumed_at)`
      .execute(trx);
    await sql`create index if not exists refresh_successors_consumed_idx on refresh_successors (consumed_at)`
      .execute(trx);
  });
  // 60 s: the longest REFRESH_REUSE_GRACE_SECONDS allowed; no pair consumed before that is still wanted
  await sql`
    insert into refresh_successors (token_id, session_id, sealed, consumed_at)
    select id, session_id, successor_sealed, consumed_at from refresh_tokens
    where successor_sealed is not null and consumed_at > now() - interval '60 seconds'
    on conflict (token_id) do nothing`.execute(db);
  await sql`drop index concurrently if exists refresh_tokens_sealed_idx`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up(); rollbacks run in a transaction
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create index if not exists refresh_tokens_sealed_idx on refresh_tokens (session_id)
    where successor_sealed is not null`.execute(db);
  await sql`drop table if exists refresh_successors`.execute(db);
}
