import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.ts";

/** Tables whose rows are useless once `expires_at` has passed, with their key column. */
export const EXPIRING_TABLES = {
  refresh_tokens: "id",
  revoked_access_tokens: "jti",
  email_otps: "id",
  password_reset_tokens: "id",
  sessions: "id",
} as const;
export type ExpiringTable = keyof typeof EXPIRING_TABLES;

/**
 * Deletes at most `limit` expired rows of the table; returns how many. Rows another
 * instance is deleting right now are skipped, so several instances never wait on each other.
 */
export async function deleteExpiredBatch(
  db: Kysely<DB>,
  table: ExpiringTable,
  now: Date,
  limit: number,
): Promise<number> {
  const key = sql.ref(EXPIRING_TABLES[table]);
  const result = await sql`
    delete from ${sql.table(table)}
    where ${key} in (
      select ${key} from ${sql.table(table)}
      where expires_at < ${now}
      limit ${limit}
      for update skip locked
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
