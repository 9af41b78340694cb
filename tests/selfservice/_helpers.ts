import { assert, assertEquals } from "../helpers/assert.ts";
import type { ReceivedMail, SmtpPeer } from "../helpers/smtp.ts";
import { otpOf } from "../helpers/smtp.ts";
import type { TokenPair } from "../../src/services/sessions/token-pair.ts";
import { type AccountsApp, PASSWORD, uniqueEmail } from "../accounts/_harness.ts";

export { PASSWORD };

/** Signs up, verifies with the mailed code and signs in: a verified account and its first pair. */
export async function verifiedAccount(
  app: AccountsApp,
  smtp: SmtpPeer,
  label: string,
): Promise<{ email: string; tokens: TokenPair }> {
  const email = uniqueEmail(label);
  assertEquals((await app.post("/auth/signup", { email, password: PASSWORD })).status, 201);
  await app.deliverMail();
  const otp = otpOf((await smtp.waitForMail(email))[0]);
  assertEquals((await app.post("/auth/verify-email", { email, otp })).status, 200);
  return { email, tokens: await signIn(app, email) };
}

/** Signs in with the address and password (PASSWORD by default); asserts 200. */
export async function signIn(app: AccountsApp, email: string, password = PASSWORD): Promise<TokenPair> {
  const response = await app.post("/auth/signin", { email, password });
  assertEquals(response.status, 200, await response.clone().text());
  return await response.json();
}

/** A JSON POST with a bearer token. */
export function postAs(app: AccountsApp, path: string, accessToken: string, body: unknown): Promise<Response> {
  return app.post(path, body, { Authorization: `Bearer ${accessToken}` });
}

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
  { oldEmail, newEmail, password = PASSWORD }: { oldEmail: string; newEmail: string; password?: string },
): Promise<string> {
  const requested = await postAs(app, "/auth/change-email", accessToken, {
    current_password: password,
    new_email: newEmail,
  });
  assertEquals(requested.status, 202, await requested.clone().text());
  await requested.body?.cancel();
  const otp = otpOf(await mailWithSubject(app, smtp, newEmail, SUBJECTS.code));
  const confirmed = await postAs(app, "/auth/confirm-email-change", accessToken, { otp });
  assertEquals(confirmed.status, 200, await confirmed.clone().text());
  await confirmed.body?.cancel();
  return tokenIn(await mailWithSubject(app, smtp, oldEmail, SUBJECTS.changed), "revert");
}
