/**
 * The activity mail: what happened on the account (one notice, or a digest of every notice since
 * the last mail) and the one action if it was not the owner. Every text a client chose (the user
 * agent) reaches this file already cleaned by displayText (services/device.ts); the HTML part
 * escapes everything it writes.
 * @module
 */
import { accountPageLink } from "./account-links.ts";
import { escapeHtml, htmlDocument } from "./html.ts";
import type { RenderedMail } from "./templates.ts";

/** One thing that happened, as the mail tells it. */
export interface ActivityNotice {
  /** The audit event type it stands for */
  type: string;
  subject: string;
  line: string;
  /** ISO 8601 */
  at: string;
  ip: string | null;
  /** "Firefox on Windows" */
  device: string | null;
  /** The user agent as sent, cleaned and shortened */
  userAgent: string | null;
}

/** Finds the token of a "this wasn't me" mail, for tests and GET /dev/outbox. */
export const NOT_ME_TOKEN_IN_TEXT = /^Or enter this not-me token in the app: ([A-Za-z0-9_-]+)$/m;

/** "2026-12-07 16:40:12 UTC" */
function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function facts(notice: ActivityNotice): [string, string][] {
  const rows: [string, string][] = [["When", utc(notice.at)]];
  if (notice.ip) rows.push(["IP address", notice.ip]);
  if (notice.device) rows.push(["Device", notice.device]);
  if (notice.userAgent) rows.push(["Browser reported", notice.userAgent]);
  return rows;
}

/**
 * The owner's mail for `notices` (oldest first; `omitted` more were left out of a long digest),
 * with a single-use "this wasn't me" link.
 */
export function activityMail(
  to: string,
  name: string | null,
  digest: { notices: readonly ActivityNotice[]; omitted: number },
  pagesUrl: string,
  notMeToken: string,
): RenderedMail {
  const { notices, omitted } = digest;
  const total = notices.length + omitted;
  const subject = total === 1 ? notices[0].subject : `${total} security notices for your Jessy AI account`;
  const link = accountPageLink(pagesUrl, "not-me", notMeToken);
  const intro = total === 1 ? [] : [`${total} things happened on your account since our last mail:`];
  const more = omitted > 0 ? [`…and ${omitted} more of the same kinds.`] : [];
  const action = "If this wasn't you, open this link: every device is signed out of your account at once, your " +
    "password stops working and a link to choose a new one is mailed to you. It works once, for 7 days.";
  const greeting = name ? `Hello ${name},` : "Hello,";
  const text = [
    greeting,
    "",
    ...intro,
    ...notices.flatMap((notice) => [notice.line, ...facts(notice).map(([k, v]) => `  ${k}: ${v}`), ""]),
    ...more,
    action,
    link,
    "",
    `Or enter this not-me token in the app: ${notMeToken}`,
  ].join("\n");
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    ...intro.map((line) => `<p>${escapeHtml(line)}</p>`),
    ...notices.map((notice) =>
      `<p>${escapeHtml(notice.line)}<br>\n` +
      facts(notice).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join("<br>\n") + "</p>"
    ),
    ...more.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p>${escapeHtml(action)}</p>`,
    `<p><a href="${escapeHtml(link)}">This wasn't me</a></p>`,
    `<p>Or enter this not-me token in the app: ${escapeHtml(notMeToken)}</p>`,
  ].join("\n");
  return { template: "activity", to, subject, text, html: htmlDocument(subject, html) };
}
