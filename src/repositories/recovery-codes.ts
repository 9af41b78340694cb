import type { Executor } from "../db/schema.ts";

/** Replaces every recovery code of the account with these digests. */
export async function replaceRecoveryCodes(
  db: Executor,
  userId: string,
  codes: { digest: string; keyId: string }[],
  now: Date,
): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await db
    .insertInto("recovery_codes")
    .values(
      codes.map((code) => ({ user_id: userId, code_hmac: code.digest, hmac_key_id: code.keyId, created_at: now })),
    )
    .execute();
}

/** Marks one unused code with one of these digests used, in one statement: of two racing uses, one wins. */
export async function useRecoveryCode(db: Executor, userId: string, digests: string[], now: Date): Promise<boolean> {
  if (digests.length === 0) return false;
  const row = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("id", "=", (eb) =>
      eb.selectFrom("recovery_codes")
        .select("id")
        .where("user_id", "=", userId)
        .where("code_hmac", "in", digests)
        .where("used_at", "is", null)
        .limit(1))
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}

/** How many unused codes the account has left. */
export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<string | number>().as("count"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function deleteRecoveryCodes(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
}
