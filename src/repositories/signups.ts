import { jsonArrayFrom } from "kysely/helpers/postgres";
import { sql, type Transaction } from "kysely";
import type { DB, Executor, UserRow } from "../db/schema.ts";
import { insertOutboxMails, type NewOutboxMail } from "./mail-outbox.ts";
import { insertSecurityEvent, type NewSecurityEvent } from "./security-events.ts";
import { NO_USER } from "./users.ts";

/**
 * Sign-ups (and so live codes) an unverified account keeps: the first ones. A later sign-up
 * never displaces an earlier one, so a stranger cannot evict the owner's; while the address is
 * full, a sign-up is not recorded and the mailbox is told how to claim the address instead
 * (a password reset proves the mailbox). PENDING_SIGNUP_TTL_DAYS frees the places.
 */
export const MAX_PENDING_SIGNUPS = 3;

/**
 * Creates the account or locks the existing one, in one statement: ON CONFLICT DO UPDATE
 * takes the row lock and returns the row even when a concurrent sign-up has just created
 * it. A new account is unverified, nameless, and holds the first sign-up's password until
 * a code decides which sign-up it belongs to.
 */
export async function createOrLockUser(
  trx: Transaction<DB>,
  user: { email: string; emailNormalized: string; passwordHash: string; now: Date },
): Promise<UserRow & { created: boolean }> {
  return await trx
    .insertInto("users")
    .values({
      email: user.email,
      email_normalized: user.emailNormalized,
      name: null,
      password_hash: user.passwordHash,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict((oc) =>
      oc.column("email_normalized").doUpdateSet((eb) => ({ email_normalized: eb.ref("excluded.email_normalized") }))
    )
    .returningAll()
    // xmax is 0 only on a row this statement inserted
    .returning(sql<boolean>`xmax = 0`.as("created"))
    .executeTakeFirstOrThrow();
}

/** A sign-up to bind a code to: its id is chosen by the caller, so one statement writes it all. */
export interface NewSignup {
  id: string;
  userId: string;
  passwordHash: string;
  name: string | null;
  codeHmac: string;
  /** The code key the HMAC was made under */
  hmacKeyId: string;
  codeExpiresAt: Date;
  now: Date;
}

/**
 * Records a sign-up with its first code, its mail and its event in one statement, while the
 * user has fewer than MAX_PENDING_SIGNUPS pending sign-ups; otherwise records only the event
 * and queues `full` instead (unless one went to the address since `fullSince`). The caller
 * holds the user's row lock, so the count is current.
 */
export async function insertSignupWithCode(
  trx: Transaction<DB>,
  signup: NewSignup,
  mails: { code: Omit<NewOutboxMail, "now">; full: Omit<NewOutboxMail, "now">; fullSince: Date },
  event: NewSecurityEvent,
): Promise<void> {
  const { id, userId, now } = signup;
  const { full } = mails;
  await sql`
    with room as (
      select count(*) < ${MAX_PENDING_SIGNUPS} as open from pending_signups where user_id = ${userId}::uuid
    ), signup as (
      insert into pending_signups (id, user_id, password_hash, name, created_at)
      select ${id}::uuid, ${userId}::uuid, ${signup.passwordHash}, ${signup.name}, ${now}::timestamptz
      where (select open from room)
    ), code as (
      insert into email_otps (user_id, signup_id, code_hmac, hmac_key_id, expires_at, created_at)
      select ${userId}::uuid, ${id}::uuid, ${signup.codeHmac}, ${signup.hmacKeyId},
        ${signup.codeExpiresAt}::timestamptz, ${now}::timestamptz
      where (select open from room)
    ), code_mail as (${insertOutboxMails([mails.code], now)} where (select open from room)
    ), full_mail as (${insertOutboxMails([full], now)}
      where not (select open from room) and not exists (
        select 1 from mail_outbox
        where to_address = ${full.to} and template = ${full.template} and created_at >= ${mails.fullSince}::timestamptz
      )
    )
    ${insertSecurityEvent(event)}`.execute(trx);
}

/** A pending sign-up as resend sees it. */
export interface PendingSignup {
  id: string;
  createdAt: Date;
}

/**
 * The user's pending sign-ups, oldest first, and whether a code mail went to `to` since
 * `since` — one statement, the same for an unknown address (no user: no sign-ups).
 */
export async function findSignupsToRemind(
  db: Executor,
  userId: string | null,
  to: string,
  since: Date,
): Promise<{ mailedRecently: boolean; signups: PendingSignup[] }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(
        eb.selectFrom("mail_outbox").select("id").where("to_address", "=", to)
          .where("template", "=", "verification_code").where("created_at", ">=", since),
      ).as("mailed_recently"),
      jsonArrayFrom(
        eb.selectFrom("pending_signups").select(["id", "created_at"])
          .where("user_id", "=", userId ?? NO_USER).orderBy("created_at").orderBy("id"),
      ).as("signups"),
    ])
    .executeTakeFirstOrThrow();
  return {
    mailedRecently: Boolean(row.mailed_recently),
    signups: row.signups.map((signup) => ({ id: signup.id, createdAt: new Date(signup.created_at) })),
  };
}

/** A fresh code for a pending sign-up. */
export interface ReissuedCode {
  signupId: string;
  codeHmac: string;
  hmacKeyId: string;
}

/**
 * Kills the user's live codes and stores a fresh one per pending sign-up, with their mails
 * and the request's event, in one statement. With no user (unknown, verified or throttled
 * address) only the event is written: the statement, and its flushing commit, are the same.
 */
export async function reissueCodes(
  trx: Transaction<DB>,
  write: { userId: string | null; codes: readonly ReissuedCode[]; expiresAt: Date; now: Date },
  mails: readonly Omit<NewOutboxMail, "now">[],
  event: NewSecurityEvent,
): Promise<void> {
  const { userId, now } = write;
  const codes = JSON.stringify(
    write.codes.map((code) => ({ signup_id: code.signupId, code_hmac: code.codeHmac, hmac_key_id: code.hmacKeyId })),
  );
  await sql`
    with killed as (
      update email_otps set consumed_at = ${now}::timestamptz
      where user_id = ${userId}::uuid and consumed_at is null
    ), codes as (
      insert into email_otps (user_id, signup_id, code_hmac, hmac_key_id, expires_at, created_at)
      select ${userId}::uuid, c.signup_id, c.code_hmac, c.hmac_key_id, ${write.expiresAt}::timestamptz, ${now}::timestamptz
      from jsonb_to_recordset(${codes}::text::jsonb) as c(signup_id uuid, code_hmac text, hmac_key_id text)
      where ${userId}::uuid is not null
    ), mail as (${insertOutboxMails(mails, now)})
    ${insertSecurityEvent(event)}`.execute(trx);
}

/**
 * Verifies the account with the sign-up a code belonged to: its password and name become
 * the account's. Every pending sign-up (and so every code) of the user is then deleted.
 */
export async function applySignup(trx: Transaction<DB>, userId: string, signupId: string, now: Date): Promise<void> {
  await sql`
    update users set email_verified = true, password_hash = s.password_hash, name = s.name,
      updated_at = ${now}::timestamptz
    from pending_signups s
    where s.id = ${signupId}::uuid and s.user_id = users.id and users.id = ${userId}::uuid`.execute(trx);
  await deletePendingSignups(trx, userId);
}

/** Forgets the user's pending sign-ups and their codes (verification, password reset). */
export async function deletePendingSignups(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("pending_signups").where("user_id", "=", userId).execute();
}
