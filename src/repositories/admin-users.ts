import { type Expression, type ExpressionBuilder, sql, type SqlBool } from "kysely";
import type { DB, Executor } from "../db/schema.ts";
import type { UserStatus } from "../user-statuses.ts";

type UsersBuilder = ExpressionBuilder<DB, "users">;

/** Disabled now: disabled and not past `disabled_until`. */
function disabledAt(eb: UsersBuilder, now: Date): Expression<SqlBool> {
  return eb.and([
    eb("users.disabled_at", "is not", null),
    eb.or([eb("users.disabled_until", "is", null), eb("users.disabled_until", ">", now)]),
  ]);
}

/** Deleted and waiting for erasure: nothing else about the account matters any more. */
function pendingDeletion(eb: UsersBuilder): Expression<SqlBool> {
  return eb("users.deletion_due_at", "is not", null);
}

/** Each status of USER_STATUSES as one condition on the users row; a new status is one more entry here. */
const STATUS_CONDITIONS: Record<UserStatus, (eb: UsersBuilder, now: Date) => Expression<SqlBool>> = {
  pending_deletion: pendingDeletion,
  disabled: (eb, now) => eb.and([eb.not(pendingDeletion(eb)), disabledAt(eb, now)]),
  unverified: (eb, now) =>
    eb.and([eb.not(pendingDeletion(eb)), eb.not(disabledAt(eb, now)), eb("users.email_verified", "=", false)]),
  active: (eb, now) =>
    eb.and([eb.not(pendingDeletion(eb)), eb.not(disabledAt(eb, now)), eb("users.email_verified", "=", true)]),
};

/** The status of a row, in the precedence the filters use (pending deletion, disabled, unverified). */
export function statusOf(
  row: { email_verified: boolean; disabled_at: Date | null; disabled_until: Date | null; deletion_due_at: Date | null },
  now: Date,
): UserStatus {
  if (row.deletion_due_at !== null) return "pending_deletion";
  if (isDisabled(row, now)) return "disabled";
  return row.email_verified ? "active" : "unverified";
}

/** True while an administrator's disable holds (enabled again once `disabled_until` has passed). */
export function isDisabled(row: { disabled_at: Date | null; disabled_until: Date | null }, now: Date): boolean {
  return row.disabled_at !== null && (row.disabled_until === null || row.disabled_until > now);
}

/** The normalized address in byte order: what the prefix index holds and pages follow. */
const emailKey = sql<string>`users.email_normalized collate "C"`;

export interface UserFilter {
  /** A prefix of the normalized address */
  emailPrefix?: string;
  status?: UserStatus;
  createdAfter?: Date;
  createdBefore?: Date;
  /** The normalized address of the last user of the previous page */
  after?: string;
  limit: number;
  now: Date;
}

const USER_COLUMNS = [
  "users.id",
  "users.email",
  "users.email_normalized",
  "users.name",
  "users.email_verified",
  "users.created_at",
  "users.disabled_at",
  "users.disabled_until",
  "users.disabled_reason",
  "users.deletion_due_at",
] as const;

/**
 * One page of users in byte order of their normalized address. The prefix becomes a range
 * on the `collate "C"` index ([prefix, next string after every string it starts)), so a
 * prefix search and every page are one index range scan.
 */
export function listUsers(db: Executor, filter: UserFilter) {
  return usersQuery(db, filter).execute();
}

/** The statement behind listUsers, unexecuted (its plan is checked by the tests). */
export function usersQuery(db: Executor, filter: UserFilter) {
  let query = db.selectFrom("users").select(USER_COLUMNS);
  if (filter.emailPrefix) {
    query = query.where(emailKey, ">=", filter.emailPrefix);
    const upper = prefixUpperBound(filter.emailPrefix);
    if (upper !== undefined) query = query.where(emailKey, "<", upper);
  }
  if (filter.after !== undefined) query = query.where(emailKey, ">", filter.after);
  if (filter.createdAfter) query = query.where("users.created_at", ">=", filter.createdAfter);
  if (filter.createdBefore) query = query.where("users.created_at", "<", filter.createdBefore);
  const status = filter.status;
  if (status) query = query.where((eb) => STATUS_CONDITIONS[status](eb, filter.now));
  return query.orderBy(emailKey).limit(filter.limit);
}

/**
 * The least string greater than every string that starts with `prefix`, in code-point (and
 * so UTF-8 byte, "C" collation) order: the prefix with its last code point raised by one.
 * Undefined when no such string exists (the prefix is all U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last === 0xd800) last = 0xe000; // no surrogates in UTF-8
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return undefined;
}

/** A user with what an administrator looks at: live sessions, last sign-in, recent failed sign-ins. */
export function findUserOverview(db: Executor, id: string, now: Date, failuresSince: Date) {
  return db
    .selectFrom("users")
    .select(USER_COLUMNS)
    .select((eb) => [
      eb.selectFrom("sessions")
        .select((s) => s.fn.countAll<string | number>().as("n"))
        .where("sessions.user_id", "=", id)
        .where("sessions.revoked_at", "is", null)
        .where("sessions.expires_at", ">", now)
        .as("active_sessions"),
      eb.selectFrom("security_events")
        .select((s) => s.fn.max("security_events.created_at").as("at"))
        .where("security_events.user_id", "=", id)
        .where("security_events.type", "=", "signin_succeeded")
        .as("last_sign_in_at"),
      eb.selectFrom("security_events")
        .select((s) => s.fn.countAll<string | number>().as("n"))
        .where("security_events.user_id", "=", id)
        .where("security_events.type", "=", "signin_failed")
        .where("security_events.created_at", ">=", failuresSince)
        .as("recent_failed_sign_ins"),
    ])
    .where("users.id", "=", id)
    .executeTakeFirst();
}

/** Marks the user disabled (until `until`, or until enabled); false when there is no such user. */
export async function disableUser(
  db: Executor,
  id: string,
  change: { reason: string; until: Date | null; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable("users")
    .set({
      disabled_at: change.now,
      disabled_until: change.until,
      disabled_reason: change.reason,
      updated_at: change.now,
    })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Clears the disabled mark; false when there is no such user. */
export async function enableUser(db: Executor, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("users")
    .set({ disabled_at: null, disabled_until: null, disabled_reason: null, updated_at: now })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Locks the user row until the transaction ends; its id and address, or undefined when absent. */
export function lockUserById(db: Executor, id: string) {
  return db.selectFrom("users").select(["id", "email", "email_normalized"]).where("id", "=", id).forUpdate()
    .executeTakeFirst();
}
