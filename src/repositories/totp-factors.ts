import type { Executor } from "../db/schema.ts";

/** The account's authenticator factor, pending or on; undefined when it has none. */
export async function findTotpFactor(db: Executor, userId: string) {
  return await db.selectFrom("totp_factors").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Starts (or restarts) an enrolment: a factor already on is never replaced here. */
export async function upsertPendingTotpFactor(
  db: Executor,
  factor: { userId: string; secretSealed: string; now: Date; pendingUntil: Date },
): Promise<boolean> {
  const row = await db
    .insertInto("totp_factors")
    .values({
      user_id: factor.userId,
      secret_sealed: factor.secretSealed,
      created_at: factor.now,
      pending_until: factor.pendingUntil,
    })
    .onConflict((oc) =>
      oc.column("user_id")
        .doUpdateSet({ secret_sealed: factor.secretSealed, created_at: factor.now, pending_until: factor.pendingUntil })
        .where("totp_factors.activated_at", "is", null)
    )
    .returning("user_id")
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Turns a pending factor on with the step its first code was for; false when it is no longer
 * pending (expired, or activated by a concurrent request).
 */
export async function activateTotpFactor(db: Executor, userId: string, step: number, now: Date): Promise<boolean> {
  const row = await db
    .updateTable("totp_factors")
    .set({ activated_at: now, pending_until: null, last_used_step: step })
    .where("user_id", "=", userId)
    .where("activated_at", "is", null)
    .where("pending_until", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Records `step` as used when it is later than every step used before, in one statement: of
 * two requests with one code, exactly one sees true.
 */
export async function claimTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable("totp_factors")
    .set({ last_used_step: step })
    .where("user_id", "=", userId)
    .where("activated_at", "is not", null)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
    .returning("user_id")
    .executeTakeFirst();
  return Boolean(row);
}

/** Removes the account's factor, pending or on; true when it was on. */
export async function deleteTotpFactor(db: Executor, userId: string): Promise<boolean> {
  const row = await db.deleteFrom("totp_factors").where("user_id", "=", userId).returning("activated_at")
    .executeTakeFirst();
  return Boolean(row?.activated_at);
}

/** Whether the account has a factor on (a pending enrolment is not). */
export async function hasActiveTotpFactor(db: Executor, userId: string): Promise<boolean> {
  const row = await db.selectFrom("totp_factors").select("user_id").where("user_id", "=", userId)
    .where("activated_at", "is not", null).executeTakeFirst();
  return Boolean(row);
}
