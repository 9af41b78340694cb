/**
 * The owner's activity mail, queued in the transaction of the event it tells: at most one mail
 * per account per {@link ACTIVITY_MAIL_WINDOW_MS}. The first notice goes out at once; a notice
 * within the window joins the mail still waiting in the outbox (due at the window's end), so
 * nothing is lost and nothing floods. The mail is rewritten in place while no worker has claimed
 * it, with a fresh "this wasn't me" token (the replaced one, never mailed, is forgotten).
 * @module
 */
import type { Transaction } from "kysely";
import type { Config } from "../../config.ts";
import type { DB } from "../../db/schema.ts";
import { activityMail, type ActivityNotice } from "../../mail/activity-templates.ts";
import type { ActivityMailKind } from "../../activity-mail-kinds.ts";
import { deleteAccountTokenByHash, storeAccountToken } from "../../repositories/account-tokens.ts";
import {
  insertScheduledMail,
  lockActivityDigest,
  rewriteWaitingMail,
  saveActivityDigest,
} from "../../repositories/activity-digests.ts";
import type { NewSecurityEvent } from "../../repositories/security-events.ts";
import { findUserById } from "../../repositories/users.ts";
import { displayText, parseDevice } from "../device.ts";
import { newNotMeToken } from "./not-me-token.ts";
import { noticeOfEvent } from "./event-notices.ts";

/** One activity mail per account per 15 minutes; what happens meanwhile goes into the next. */
export const ACTIVITY_MAIL_WINDOW_MS = 15 * 60 * 1000;
/** How long the "this wasn't me" link of a mail works. */
export const NOT_ME_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Notices one digest lists; beyond, it counts them. */
const MAX_NOTICES = 20;
const MAX_USER_AGENT = 120;

/** An event as the activity path reads it: the audit event, maybe by an administrator, maybe about another device. */
export type ActivityEvent = NewSecurityEvent & { actor?: string; aboutUserAgent?: string | null };

interface DigestNotices {
  notices: ActivityNotice[];
  omitted: number;
}

function noticesOf(stored: unknown): DigestNotices {
  const value = stored as Partial<DigestNotices> | null;
  return { notices: Array.isArray(value?.notices) ? value.notices : [], omitted: Number(value?.omitted ?? 0) };
}

function append(digest: DigestNotices, notice: ActivityNotice): DigestNotices {
  return digest.notices.length < MAX_NOTICES
    ? { notices: [...digest.notices, notice], omitted: digest.omitted }
    : { notices: digest.notices, omitted: digest.omitted + 1 };
}

/** What the mail says of one event; the request's (or the named device's) text cleaned for display. */
function noticeOf(event: ActivityEvent, subject: string, line: string, showDevice: boolean): ActivityNotice {
  // An event about another device (a reuse: the session ended) names that device; the request's
  // address is then someone else's and stays out
  const aboutOther = event.aboutUserAgent !== undefined;
  const userAgent = aboutOther ? event.aboutUserAgent ?? null : event.userAgent;
  const cleaned = userAgent ? displayText(userAgent, MAX_USER_AGENT) : "";
  return {
    type: event.type,
    subject,
    line,
    at: event.at.toISOString(),
    ip: showDevice && !aboutOther && event.ip ? displayText(event.ip, 64) : null,
    device: showDevice ? parseDevice(userAgent ?? null).label : null,
    userAgent: showDevice && cleaned ? cleaned : null,
  };
}

/**
 * Queues the notice an event gives the account's owner, if its kind is on (ACTIVITY_MAILS), in
 * the event's transaction; returns the kind queued, for the counter.
 */
export async function queueActivityNotice(
  trx: Transaction<DB>,
  config: Config,
  event: ActivityEvent,
): Promise<ActivityMailKind | undefined> {
  const spec = noticeOfEvent(event.type, event.actor !== undefined);
  if (!spec || !event.userId || !config.activityMails.includes(spec.kind)) return undefined;
  const user = await findUserById(trx, event.userId);
  if (!user) return undefined;
  const now = event.at;
  const digest = await lockActivityDigest(trx, user.id, now);
  const notice = noticeOf(event, spec.subject, spec.line, spec.showDevice ?? false);
  const token = await newNotMeToken(config);
  const render = (notices: DigestNotices) =>
    activityMail(user.email, user.email_verified ? user.name : null, notices, config.accountPagesUrl, token.token);
  const storeToken = () =>
    storeAccountToken(trx, {
      userId: user.id,
      purpose: "not_me",
      tokenHash: token.tokenHash,
      hmacKeyId: token.keyId,
      previousEmail: null,
      expiresAt: new Date(now.getTime() + NOT_ME_TOKEN_TTL_MS),
      now,
    }, { replace: false });

  if (digest.openMailId) {
    const notices = append(noticesOf(digest.notices), notice);
    if (await rewriteWaitingMail(trx, digest.openMailId, render(notices))) {
      if (digest.openTokenHash) await deleteAccountTokenByHash(trx, user.id, "not_me", digest.openTokenHash);
      await storeToken();
      await saveActivityDigest(trx, user.id, { ...digest, openTokenHash: token.tokenHash, notices });
      return spec.kind;
    }
  }
  // No mail waiting: this one goes now, or when the window of the last one ends
  const sendAt = digest.nextMailAt > now ? digest.nextMailAt : now;
  const notices = { notices: [notice], omitted: 0 };
  const mailId = await insertScheduledMail(trx, { ...render(notices), now }, sendAt);
  await storeToken();
  await saveActivityDigest(trx, user.id, {
    nextMailAt: new Date(sendAt.getTime() + ACTIVITY_MAIL_WINDOW_MS),
    openMailId: mailId,
    openTokenHash: token.tokenHash,
    notices,
  });
  return spec.kind;
}
