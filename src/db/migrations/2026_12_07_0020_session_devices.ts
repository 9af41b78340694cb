import { type Kysely, sql } from "kysely";

/**
 * Sessions say which device they are.
 *
 * - device_browser, device_os, device_type, device_label: the sign-in's User-Agent parsed once,
 *   when the session starts, so a sessions page never parses one per row.
 * - known_device: the sign-in presented a valid device token of the account.
 * - name: what the owner called the session ("Work laptop").
 *
 * Every column is nullable without a default: PostgreSQL adds such a column to the catalog alone,
 * without rewriting or scanning the table, and rows from before read as null (the sessions page
 * parses their stored user_agent instead). Adding a column still takes an ACCESS EXCLUSIVE lock for
 * that moment; waiting for it would queue every refresh behind this migration, so each statement
 * gives up after LOCK_TIMEOUT and tries again, outside a transaction, as 2026_12_07_0014 does.
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
  // One statement: the lock is taken once for all six columns
  await withShortLocks(
    db,
    sql`alter table sessions
      add column if not exists device_browser text,
      add column if not exists device_os text,
      add column if not exists device_type text,
      add column if not exists device_label text,
      add column if not exists known_device boolean,
      add column if not exists name text`,
  );
}

// deno-lint-ignore no-explicit-any -- see withShortLocks; rollbacks run in a transaction
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions
    drop column if exists name,
    drop column if exists known_device,
    drop column if exists device_label,
    drop column if exists device_type,
    drop column if exists device_os,
    drop column if exists device_browser`.execute(db);
}
