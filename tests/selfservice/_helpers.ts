import { assert, assertEquals } from "../helpers/assert.ts";
import type { ReceivedMail, SmtpPeer } from "../helpers/smtp.ts";
import { otpOf } from "../helpers/smtp.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { postAs } from "../helpers/http.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";

/** Delivers due mail and returns the mail with this subject that arrived for the address (the newest). */
export async function mailWithSubject(
  app: AccountsApp,
  smtp: SmtpPeer,
  to: string,
  subject: string,
): Promise<ReceivedMail> {
  await app.deliverMail();
  const found = smtp.inbox(to).filter((mail) => mail.subject === subject);
  assert(found.length > 0, `a mail "${subject}" to ${to}; got ${smtp.inbox(to).map((m) => m.subject).join(" | ")}`);
  return found[found.length - 1];
}

/** The token a mail carries after "Or enter this … token in the app: ". */
export function tokenIn(mail: ReceivedMail, kind: "revert" | "cancel" | "reset"): string {
  const match = new RegExp(`enter this ${kind} token in the app: ([A-Za-z0-9_-]+)`).exec(mail.text);
  assert(match, `a ${kind} token in "${mail.subject}"`);
  return match[1];
}

/** Subjects of the account mails these tests read. */
export const SUBJECTS = {
  code: "Confirm your new Jessy AI address",
  changed: "Your Jessy AI address was changed",
  reset: "Reset your Jessy AI password",
  deletion: "Your Jessy AI account will be deleted",
} as const;

/**
 * Moves the signed-in account to `newEmail` through POST /auth/change-email and
 * /auth/confirm-email-change with the code mailed there; returns the revert token mailed to
 * `oldEmail`.
 */
export async function moveAccount(
  app: AccountsApp,
  smtp: SmtpPeer,
  accessToken: string,
  { oldEmail, newEmail, password = PASSWORD, mfaCode }: {
    oldEmail: string;
    newEmail: string;
    password?: string;
    /** The second factor's code, for an account with one on */
    mfaCode?: string;
  },
): Promise<string> {
  const requested = await postAs(app, "/auth/change-email", accessToken, {
    current_password: password,
    new_email: newEmail,
    ...(mfaCode ? { mfa_code: mfaCode } : {}),
  });
  assertEquals(requested.status, 202, await requested.clone().text());
  await requested.body?.cancel();
  const otp = otpOf(await mailWithSubject(app, smtp, newEmail, SUBJECTS.code));
  const confirmed = await postAs(app, "/auth/confirm-email-change", accessToken, { otp });
  assertEquals(confirmed.status, 200, await confirmed.clone().text());
  await confirmed.body?.cancel();
  return tokenIn(await mailWithSubject(app, smtp, oldEmail, SUBJECTS.changed), "revert");
}
