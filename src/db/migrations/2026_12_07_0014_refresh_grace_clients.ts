import { type Kysely, sql } from "kysely";

/**
 * The reuse grace window learns who rotated and what it handed out again.
 *
 * - refresh_successors.client: a digest of the client that exchanged the token (its network and
 *   User-Agent). Within the window only the same client gets the kept pair; another one's
 *   presentation is reuse. Null on pairs an instance of the previous version kept.
 * - refresh_tokens.shared_by_grace: the token was handed out a second time, by a grace answer.
 *   Two holders may have it, so presenting it again once it is exchanged is reuse, never grace.
 *
 * Neither column is read by an index, so a refresh still updates refresh_tokens in place (HOT),
 * and both are added without rewriting a table (PostgreSQL 11+: a constant default is kept in
 * the catalog). Adding a column takes an ACCESS EXCLUSIVE lock for that moment; waiting for it
 * would queue every refresh behind this migration, so it gives up after LOCK_TIMEOUT and tries
 * again, outside a transaction, as 2026_11_29_0013 does.
 */
export const transactional = false;

const LOCK_TIMEOUT = "500ms";
const TRIES = 20;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
async function withShortLocks(db: Kysely<any>, statement: ReturnType<typeof sql>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await db.transaction().execute(async (trx) => {
        await sql.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`).execute(trx);
        await statement.execute(trx);
      });
      return;
    } catch (error) {
      // 55P03 lock_not_available: a long transaction holds the table; let it finish
      if ((error as { code?: string }).code !== "55P03" || attempt === TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

// deno-lint-ignore no-explicit-any -- see withShortLocks
export async function up(db: Kysely<any>): Promise<void> {
  await withShortLocks(db, sql`alter table refresh_successors add column if not exists client text`);
  await withShortLocks(
    db,
    sql`alter table refresh_tokens add column if not exists shared_by_grace boolean not null default false`,
  );
}

// deno-lint-ignore no-explicit-any -- see withShortLocks; rollbacks run in a transaction
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table refresh_tokens drop column if exists shared_by_grace`.execute(db);
  await sql`alter table refresh_successors drop column if exists client`.execute(db);
}
