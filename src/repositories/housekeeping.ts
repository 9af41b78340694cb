import { type Kysely, type RawBuilder, sql } from "kysely";
import type { DB } from "../db/schema.ts";

/** How long rows that never expire by themselves are kept. */
export interface Retention {
  /** SECURITY_EVENT_RETENTION_DAYS: audit-trail rows older than this are deleted */
  securityEventDays: number;
}

export const DEFAULT_RETENTION: Retention = { securityEventDays: 365 };

/**
 * Days a sent or failed mail_outbox row (recipient, subject, template, timestamps; its bodies
 * are cleared once settled) is kept for troubleshooting delivery. A constant: no configuration
 * name was ever given for it.
 */
export const SETTLED_MAIL_RETENTION_DAYS = 30;

/** Days a sent or failed webhook delivery stays in its endpoint's delivery log, as settled mail does. */
export const SETTLED_WEBHOOK_RETENTION_DAYS = 30;

const DAY_MS = 86_400_000;

/** The longest REFRESH_REUSE_GRACE_SECONDS allowed: a pair consumed before that is wanted by no configuration */
const LONGEST_REUSE_GRACE_MS = 60_000;

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * Tables housekeeping deletes from, with the indexed column a batch takes the oldest rows by,
 * and which rows are done: those whose
 * `expires_at` has passed, or, for the tables that would otherwise only grow, those past
 * their retention.
 */
export const EXPIRING_TABLES = {
  refresh_tokens: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  // Sealed successor pairs of sessions that did not refresh again (the next refresh erases the rest)
  refresh_successors: {
    order: sql`consumed_at`,
    done: (now: Date) => sql`consumed_at < ${new Date(now.getTime() - LONGEST_REUSE_GRACE_MS)}`,
  },
  revoked_access_tokens: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  email_otps: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  password_reset_tokens: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  sessions: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  email_changes: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  account_tokens: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  // A device unused for its lifetime (SESSION_MAX_LIFETIME_SECONDS since its last sign-in) exempts nobody
  known_devices: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  // Sign-ins that waited for a second factor: used or not, dead after their 5 minutes
  mfa_challenges: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  // Authenticator enrolments nobody activated in time (a factor that is on has no pending_until);
  // the sealed secret of an abandoned enrolment is not kept
  totp_factors: {
    order: sql`pending_until`,
    done: (now: Date) => sql`pending_until < ${now} and activated_at is null`,
  },
  // Passkey ceremony challenges: 5 minutes each, one per options request
  webauthn_challenges: { order: sql`expires_at`, done: (now: Date) => sql`expires_at < ${now}` },
  security_events: {
    order: sql`(created_at at time zone 'UTC')`,
    // The expression of security_events_retention_idx: a plain created_at index would also be a way to read one
    // user's page in date order, and the planner took it for a user whose events are old (325 ms instead of 0.2)
    done: (now: Date, retention: Retention) =>
      sql`(created_at at time zone 'UTC') < (${
        daysBefore(now, retention.securityEventDays)
      }::timestamptz at time zone 'UTC')`,
  },
  mail_outbox: {
    order: sql`created_at`,
    done: (now: Date) =>
      sql`status in ('sent', 'failed') and created_at < ${daysBefore(now, SETTLED_MAIL_RETENTION_DAYS)}`,
  },
  webhook_deliveries: {
    order: sql`created_at`,
    done: (now: Date) =>
      sql`status in ('sent', 'failed') and created_at < ${daysBefore(now, SETTLED_WEBHOOK_RETENTION_DAYS)}`,
  },
} satisfies Record<
  string,
  { order: RawBuilder<unknown>; done: (now: Date, retention: Retention) => RawBuilder<unknown> }
>;
export type ExpiringTable = keyof typeof EXPIRING_TABLES;

/**
 * Deletes at most `limit` rows of the table that are done (expired or past retention);
 * returns how many. Rows another instance is deleting right now are skipped, so several
 * instances never wait on each other.
 */
export async function deleteExpiredBatch(
  db: Kysely<DB>,
  table: ExpiringTable,
  now: Date,
  limit: number,
  retention: Retention = DEFAULT_RETENTION,
): Promise<number> {
  const { order, done } = EXPIRING_TABLES[table];
  // Oldest first, by an indexed column: without the order the planner read the table from its start and, once
  // earlier batches had emptied it, skipped 1.2 million live refresh tokens per batch (464 ms at a million users).
  // The rows are found again by their place in the table (ctid), which the rows locked by this very statement
  // keep, not by their key: random keys sent each batch to 500 random leaves of the primary key
  const result = await sql`
    delete from ${sql.table(table)}
    where ctid = any(array(
      select ctid from ${sql.table(table)}
      where ${done(now, retention)}
      order by ${order}
      limit ${limit}
      for update skip locked
    ))`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Days a pending sign-up (a password hash waiting for its address to be proven) is kept. A week
 * is long enough for anyone to read their mail, and short enough that a stranger's sign-ups
 * cannot hold an address's places, or the address itself, for long.
 */
export const PENDING_SIGNUP_TTL_DAYS = 7;

/**
 * Deletes at most `limit` pending sign-ups older than PENDING_SIGNUP_TTL_DAYS (their codes go
 * with them) and, in the same statement, the unverified accounts whose last sign-up that was:
 * an address nobody proved is free again. Accounts that were ever verified are never touched.
 */
export async function deleteExpiredSignupsBatch(
  db: Kysely<DB>,
  now: Date,
  limit: number,
): Promise<{ pending_signups: number; unverified_users: number }> {
  const cutoff = daysBefore(now, PENDING_SIGNUP_TTL_DAYS);
  const { rows } = await sql<{ signups: number; users: number }>`
    with gone as (
      delete from pending_signups
      where ctid = any(array(
        select ctid from pending_signups where created_at < ${cutoff}
        order by created_at limit ${limit}
        for update skip locked
      ))
      returning user_id
    ), users_gone as (
      delete from users u
      where u.id in (select user_id from gone) and not u.email_verified
        and not exists (select 1 from pending_signups s where s.user_id = u.id and s.created_at >= ${cutoff})
      returning u.id
    )
    select (select count(*) from gone)::int as signups, (select count(*) from users_gone)::int as users`.execute(db);
  return { pending_signups: rows[0].signups, unverified_users: rows[0].users };
}
