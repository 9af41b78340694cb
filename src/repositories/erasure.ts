import { sql, type Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { insertWebhookEvent, scrubUserDeliveries } from "./webhook-deliveries.ts";

/** One account whose grace period is over, locked; accounts another instance is erasing are skipped. */
export async function lockDueAccount(
  trx: Transaction<DB>,
  now: Date,
): Promise<{ id: string; email_normalized: string } | undefined> {
  return await trx
    .selectFrom("users")
    .select(["id", "email_normalized"])
    .where("deletion_due_at", "<=", now)
    .orderBy("deletion_due_at")
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** The addresses mail about the account went to: its own, and earlier or requested ones no other account holds. */
export async function accountAddresses(trx: Transaction<DB>, userId: string): Promise<string[]> {
  const result = await sql<{ address: string }>`
    select distinct a.address from (
      select email_normalized as address from users where id = ${userId}::uuid
      union select lower(trim(previous_email)) from account_tokens where user_id = ${userId}::uuid and previous_email is not null
      union select new_email_normalized from email_changes where user_id = ${userId}::uuid
    ) a
    where not exists (select 1 from users u where u.email_normalized = a.address and u.id <> ${userId}::uuid)`
    .execute(trx);
  return result.rows.map((row) => row.address);
}

/**
 * Erases the account: its security events keep only a pseudonym in place of its id, the mail
 * queued or kept for its addresses goes, and the user row goes with everything that references
 * it (sessions, refresh tokens, codes, sign-ups, devices, reset and account tokens, address
 * changes: ON DELETE CASCADE), plus the access-token denylist entries, which hold no reference.
 * Webhook deliveries still waiting lose the address they carried, and `user.deleted` (the id
 * alone) is queued.
 */
export async function eraseUser(
  trx: Transaction<DB>,
  userId: string,
  pseudonym: string,
  addresses: string[],
  webhook: { eventId: string; at: Date },
): Promise<void> {
  await trx.updateTable("security_events").set({ user_id: null, user_pseudonym: pseudonym })
    .where("user_id", "=", userId).execute();
  if (addresses.length > 0) {
    await sql`delete from mail_outbox where lower(trim(to_address)) in (${sql.join(addresses)})`.execute(trx);
  }
  await trx.deleteFrom("revoked_access_tokens").where("user_id", "=", userId).execute();
  await trx.deleteFrom("users").where("id", "=", userId).execute();
  await scrubUserDeliveries(trx, userId);
  await insertWebhookEvent(trx, { ...webhook, type: "user.deleted", userId });
}
