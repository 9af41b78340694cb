import { type Kysely, sql } from "kysely";

/**
 * refresh_tokens.token_hash loses its UNIQUE constraint, and with it the table's largest index.
 *
 * Why: nothing looks a refresh token up by its hash. A refresh finds the row by its id (the
 * token's jti, the primary key) and compares the hash there; the hash is of a token that carries
 * that unique id, so two rows cannot share it. The index only cost: a 64-character key per row
 * (~0.9 GB at 10 million rows, a million users), and on every sign-in and refresh an insert at a
 * random place in it, a page PostgreSQL rarely has in its buffers (docs/architecture.md, "Queries that stay flat").
 *
 * Dropping a constraint takes an ACCESS EXCLUSIVE lock for the moment it takes to remove the
 * catalog entries; waiting for it would queue every write behind this migration, so it gives up
 * after LOCK_TIMEOUT and tries again (outside a transaction, so each try is one of its own).
 */
export const transactional = false;

const LOCK_TIMEOUT = "500ms";
const TRIES = 20;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await db.transaction().execute(async (trx) => {
        await sql.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`).execute(trx);
        await sql`alter table refresh_tokens drop constraint if exists refresh_tokens_token_hash_key`.execute(trx);
      });
      return;
    } catch (error) {
      // 55P03 lock_not_available: a long transaction holds refresh_tokens; let it finish
      if ((error as { code?: string }).code !== "55P03" || attempt === TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

// deno-lint-ignore no-explicit-any -- see up(); rollbacks run in a transaction
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table refresh_tokens add constraint refresh_tokens_token_hash_key unique (token_hash)`.execute(db);
}
