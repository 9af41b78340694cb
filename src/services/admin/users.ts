import { AppError } from "../../errors.ts";
import { recordAdminEvent } from "../../repositories/admin-security-events.ts";
import { withEvents } from "../audit-trail.ts";
import {
  disableUser,
  enableUser,
  findUserOverview,
  listUsers,
  lockUserById,
  statusOf,
} from "../../repositories/admin-users.ts";
import type { UserStatus } from "../../user-statuses.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { SIGNIN_LIMIT_WINDOW_SECONDS, signinAccountRule } from "../accounts/credentials/signin-limits.ts";
import type { AdminActor, AdminContext } from "./context.ts";
import { decodeAdminCursor, encodeAdminCursor } from "../keyset-cursor.ts";
import { listActiveSessions } from "../../repositories/sessions.ts";
import { type SessionView, sessionView } from "../sessions/session-view.ts";

/** How many of a user's live sessions the detail view lists, newest first; `active_sessions` counts them all. */
export const ADMIN_SESSIONS_SHOWN = 20;

/** A user as an administrator lists them. */
export interface AdminUserView {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  status: UserStatus;
  created_at: string;
  disabled: { at: string; until: string | null; reason: string | null } | null;
  /** Set while the account waits for erasure */
  deletion_due_at: string | null;
}

/** One user in detail: sessions, last sign-in and the sign-in lockout. */
export interface AdminUserDetail extends AdminUserView {
  active_sessions: number;
  /** The newest live sessions, with their devices */
  sessions: SessionView[];
  last_sign_in_at: string | null;
  sign_in_lock: { locked: boolean; failed_attempts_last_hour: number; limit: number };
}

export interface UserQuery {
  email?: string;
  status?: UserStatus;
  created_after?: Date;
  created_before?: Date;
  cursor?: string;
  limit: number;
}

export interface AdminUserPage {
  users: AdminUserView[];
  next_cursor: string | null;
}

const USERS_CURSOR = "users";

interface UserRowLike {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  created_at: Date;
  disabled_at: Date | null;
  disabled_until: Date | null;
  disabled_reason: string | null;
  deletion_due_at: Date | null;
}

function userView(row: UserRowLike, now: Date): AdminUserView {
  const status = statusOf(row, now);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    email_verified: row.email_verified,
    status,
    created_at: row.created_at.toISOString(),
    disabled: status === "disabled" && row.disabled_at
      ? {
        at: row.disabled_at.toISOString(),
        until: row.disabled_until?.toISOString() ?? null,
        reason: row.disabled_reason,
      }
      : null,
    deletion_due_at: row.deletion_due_at?.toISOString() ?? null,
  };
}

function notFound(): AppError {
  return new AppError("not_found", "No user with this id");
}

/** A page of users in order of their normalized address; `email` is a prefix of it. */
export async function listUserPage(ctx: AdminContext, query: UserQuery): Promise<AdminUserPage> {
  const now = ctx.clock.now();
  const after = query.cursor ? (await decodeAdminCursor(ctx.config, USERS_CURSOR, query.cursor, 1))[0] : undefined;
  const rows = await listUsers(ctx.db, {
    emailPrefix: query.email?.trim().toLowerCase() || undefined,
    status: query.status,
    createdAfter: query.created_after,
    createdBefore: query.created_before,
    after,
    limit: query.limit + 1,
    now,
  });
  const visible = rows.slice(0, query.limit);
  const last = visible.at(-1);
  return {
    users: visible.map((row) => userView(row, now)),
    next_cursor: rows.length > query.limit && last
      ? await encodeAdminCursor(ctx.config, USERS_CURSOR, [last.email_normalized])
      : null,
  };
}

/** One user with its live sessions, last sign-in and failed sign-ins within the lockout window. */
export async function userDetail(ctx: AdminContext, id: string): Promise<AdminUserDetail> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - SIGNIN_LIMIT_WINDOW_SECONDS * 1000);
  const row = await findUserOverview(ctx.db, id, now, since);
  if (!row) throw notFound();
  const sessions = await listActiveSessions(ctx.db, id, now, { limit: ADMIN_SESSIONS_SHOWN });
  const limit = signinAccountRule(ctx.config.rateLimit.perMinute).limit;
  const failures = Number(row.recent_failed_sign_ins ?? 0);
  const lastSignIn = row.last_sign_in_at as Date | string | null;
  return {
    ...userView(row, now),
    active_sessions: Number(row.active_sessions ?? 0),
    sessions: sessions.map(sessionView),
    last_sign_in_at: lastSignIn === null ? null : new Date(lastSignIn).toISOString(),
    sign_in_lock: { locked: failures >= limit, failed_attempts_last_hour: failures, limit },
  };
}

function adminEvent(userId: string, type: SecurityEventType, actor: AdminActor, at: Date, details = {}) {
  return {
    userId,
    type,
    ip: actor.meta.ip,
    userAgent: actor.meta.userAgent,
    requestId: actor.meta.requestId,
    at,
    actor: actor.name,
    details,
  };
}

/**
 * Disables the account and ends every session and token of it, in one transaction; the
 * revocation is published to every instance before this returns. Sign-in (with the right
 * password) and refresh answer 403 `account_disabled` until it is enabled or `until` passes.
 */
export async function disableAccount(
  ctx: AdminContext,
  id: string,
  input: { reason: string; until?: Date },
  actor: AdminActor,
): Promise<AdminUserDetail> {
  const now = ctx.clock.now();
  if (input.until && input.until <= now) {
    throw new AppError("validation_failed", "until must be in the future", {
      errors: [{ path: "until", message: "Must be in the future" }],
    });
  }
  const announce = await withEvents(ctx, async (trx, record) => {
    if (!await lockUserById(trx, id)) return undefined;
    await disableUser(trx, id, { reason: input.reason, until: input.until ?? null, now });
    const announce = await ctx.sessions.revokeAllSessions(id, "admin_disabled", trx);
    await record(
      adminEvent(id, "admin_account_disabled", actor, now, {
        reason: input.reason,
        until: input.until?.toISOString() ?? null,
      }),
      recordAdminEvent,
    );
    return announce;
  });
  if (!announce) throw notFound();
  await announce();
  return await userDetail(ctx, id);
}

/** Lifts a disable; sign-in works again (sessions ended by the disable stay ended). */
export async function enableAccount(ctx: AdminContext, id: string, actor: AdminActor): Promise<AdminUserDetail> {
  const now = ctx.clock.now();
  const found = await withEvents(ctx, async (trx, record) => {
    if (!await enableUser(trx, id, now)) return false;
    await record(adminEvent(id, "admin_account_enabled", actor, now), recordAdminEvent);
    return true;
  });
  if (!found) throw notFound();
  return await userDetail(ctx, id);
}

/** Ends every session and token of the user on every instance, as logout-all does. */
export async function signOutEverywhere(ctx: AdminContext, id: string, actor: AdminActor): Promise<void> {
  const now = ctx.clock.now();
  const announce = await withEvents(ctx, async (trx, record) => {
    if (!await lockUserById(trx, id)) return undefined;
    const announce = await ctx.sessions.revokeAllSessions(id, "admin_sign_out", trx);
    await record(adminEvent(id, "admin_signed_out", actor, now), recordAdminEvent);
    return announce;
  });
  if (!announce) throw notFound();
  await announce();
}

/**
 * Mails the user a reset link through the same path as POST /auth/request-password-reset
 * (its one-a-minute throttle included), after the answer.
 */
export async function sendPasswordReset(ctx: AdminContext, id: string, actor: AdminActor): Promise<void> {
  const now = ctx.clock.now();
  const user = await withEvents(ctx, async (trx, record) => {
    const user = await lockUserById(trx, id);
    if (user) await record(adminEvent(id, "admin_password_reset_sent", actor, now), recordAdminEvent);
    return user;
  });
  if (!user) throw notFound();
  await ctx.accounts.requestPasswordReset(user.email, actor.meta);
}

/**
 * DELETE /admin/users/{id}: the owner's own deletion path (every token dead on every instance at
 * once, erasure after ACCOUNT_DELETION_GRACE_DAYS, the cancel token mailed), or erasure at once
 * with `immediate`. The admin event is recorded first, so an immediate erasure keeps it
 * pseudonymised like the account's other events.
 */
export async function deleteAccount(
  ctx: AdminContext,
  id: string,
  options: { immediate: boolean },
  actor: AdminActor,
): Promise<{ deletionDueAt: Date; erased: boolean }> {
  const now = ctx.clock.now();
  const found = await withEvents(ctx, async (trx, record) => {
    if (!await lockUserById(trx, id)) return false;
    await record(
      adminEvent(id, "admin_account_deleted", actor, now, { immediate: options.immediate }),
      recordAdminEvent,
    );
    return true;
  });
  if (!found) throw notFound();
  return await ctx.accounts.scheduleDeletion(id, { immediate: options.immediate, meta: actor.meta });
}
