import { accountPageLink } from "./account-links.ts";
import { escapeHtml, htmlDocument } from "./html.ts";
import type { MailMessage } from "./mailer.ts";

/** Template names stored on outbox rows (and used by the per-address throttle). */
export type MailTemplate =
  | "verification_code"
  | "signup_attempt"
  | "password_reset"
  | "password_changed"
  | "email_change_code"
  | "email_change_taken"
  | "email_change_requested"
  | "email_changed"
  | "account_deletion"
  | "account_deleted"
  | "second_factor"
  | "activity";

export interface RenderedMail extends MailMessage {
  template: MailTemplate;
}

function greeting(name: string | null): string {
  return name ? `Hello ${name},` : "Hello,";
}

function paragraphs(lines: string[]): string {
  return lines.map((line) => `<p>${line}</p>`).join("\n");
}

/**
 * Finds the code in a verification mail's text part, for GET /dev/outbox's `otp`. It parses the
 * wording of verificationCodeMail below, whole line only, so a name cannot forge a code;
 * tests/mail/templates.test.ts renders the mail and parses it back.
 */
export const VERIFICATION_CODE_IN_TEXT = /^Your verification code is (\d{6})$/m;

/** When a sign-up was made, to the second, as a verification mail names it. */
export function signupTime(at: Date): string {
  return `${at.toISOString().slice(0, 10)} at ${at.toISOString().slice(11, 19)} UTC`;
}

/**
 * The 6-digit code of one sign-up. The address is not proven yet, so the mail carries no
 * text the requester chose (no name): only the code, its life, and when the sign-up it
 * confirms was made — a code applies the password of that sign-up and no other.
 */
export function verificationCodeMail(to: string, code: string, ttlMinutes: number, signupAt: Date): RenderedMail {
  // The code stays out of the subject: subjects outlive the cleared bodies in the outbox table
  const subject = "Your Jessy AI verification code";
  const lines = [
    `It confirms the sign-up with this address made on ${signupTime(signupAt)}: verifying with it keeps the ` +
    "password chosen in that sign-up.",
    `It expires in ${ttlMinutes} minutes and works once. If you did not sign up then, do not use it and ignore ` +
    "this mail: whoever did chose that password.",
  ];
  return {
    template: "verification_code",
    to,
    subject,
    text: [greeting(null), "", `Your verification code is ${code}`, "", ...lines].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(null)),
        `Your verification code is <strong style="font-size: 24px; letter-spacing: 4px">${escapeHtml(code)}</strong>`,
        ...lines.map(escapeHtml),
      ]),
    ),
  };
}

/**
 * Sent to the owner of a verified address when someone tries to sign up with it again. It
 * names nobody: what the sign-up sent (its name) is never repeated to the owner.
 */
export function signupAttemptMail(to: string, pagesUrl: string): RenderedMail {
  const subject = "Someone tried to sign up with your address";
  const resetPage = accountPageLink(pagesUrl, "reset-password");
  return {
    template: "signup_attempt",
    to,
    subject,
    text: [
      greeting(null),
      "",
      "Someone tried to create a Jessy AI account with this address, which already has one. Nothing changed.",
      `If it was you, sign in instead; if you forgot your password, reset it at ${resetPage}`,
    ].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(null)),
        "Someone tried to create a Jessy AI account with this address, which already has one. Nothing changed.",
        `If it was you, sign in instead; if you forgot your password, <a href="${escapeHtml(resetPage)}">reset it</a>.`,
      ]),
    ),
  };
}

/**
 * Finds the token in a password reset mail's text part, for GET /dev/outbox's `reset_token`. It
 * parses the wording of passwordResetMail below (a base64url token on its own line).
 */
export const RESET_TOKEN_IN_TEXT = /^Or enter this reset token in the app: ([A-Za-z0-9_-]+)$/m;

/** The reset page's link with the token in the fragment (see account-links.ts). */
export function passwordResetLink(pagesUrl: string, token: string): string {
  return accountPageLink(pagesUrl, "reset-password", token);
}

/** The reset link plus the bare token, for clients that paste it into their own form. */
export function passwordResetMail(to: string, name: string | null, link: string, token: string): RenderedMail {
  const subject = "Reset your Jessy AI password";
  return {
    template: "password_reset",
    to,
    subject,
    text: [
      greeting(name),
      "",
      `Reset your password with this link (valid for 15 minutes, once): ${link}`,
      "",
      `Or enter this reset token in the app: ${token}`,
      "",
      "If you did not ask for this, ignore this mail: your password stays as it is.",
    ].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(name)),
        `<a href="${escapeHtml(link)}">Reset your password</a> (valid for 15 minutes, once).`,
        `Or enter this reset token in the app: <code>${escapeHtml(token)}</code>`,
        "If you did not ask for this, ignore this mail: your password stays as it is.",
      ]),
    ),
  };
}

/** Confirms a password reset, so an owner who did not ask for it knows at once. */
export function passwordChangedMail(to: string, name: string | null): RenderedMail {
  const subject = "Your Jessy AI password was changed";
  const lines = [
    "Your password was just reset and every device was signed out.",
    "If this was not you, reset your password again right away and contact security@jessy-ai.com.",
  ];
  return {
    template: "password_changed",
    to,
    subject,
    text: [greeting(name), "", ...lines].join("\n"),
    html: htmlDocument(subject, paragraphs([escapeHtml(greeting(name)), ...lines.map(escapeHtml)])),
  };
}

/** Tells the owner their password was changed from a signed-in session, with the way back if it was not them. */
export function passwordChangedByOwnerMail(to: string, name: string | null, pagesUrl: string): RenderedMail {
  const subject = "Your Jessy AI password was changed";
  const resetPage = accountPageLink(pagesUrl, "reset-password");
  const lines = [
    "Your password was just changed from a signed-in device; every other device was signed out.",
    `If this was not you, reset your password right away at ${resetPage} and contact security@jessy-ai.com.`,
  ];
  return {
    template: "password_changed",
    to,
    subject,
    text: [greeting(name), "", ...lines].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(name)),
        escapeHtml(lines[0]),
        `If this was not you, <a href="${escapeHtml(resetPage)}">reset your password</a> right away and contact ` +
        "security@jessy-ai.com.",
      ]),
    ),
  };
}

/**
 * The code that moves an account to this address. The address is not proven yet, so the mail
 * carries no text the requester chose. Its code line reads like a verification mail's, so
 * GET /dev/outbox lifts it out as `otp`.
 */
export function emailChangeCodeMail(to: string, code: string, ttlMinutes: number): RenderedMail {
  const subject = "Confirm your new Jessy AI address";
  const lines = [
    "Someone signed in to a Jessy AI account asked to move it to this address. Enter the code in the app to confirm.",
    `It expires in ${ttlMinutes} minutes and works once. If you did not ask for this, ignore this mail: nothing ` +
    "changes without the code.",
  ];
  return {
    template: "email_change_code",
    to,
    subject,
    text: [greeting(null), "", `Your verification code is ${code}`, "", ...lines].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(null)),
        `Your verification code is <strong style="font-size: 24px; letter-spacing: 4px">${escapeHtml(code)}</strong>`,
        ...lines.map(escapeHtml),
      ]),
    ),
  };
}

/** Sent instead of a code when the requested address already has an account: its owner learns, nobody else does. */
export function emailChangeTakenMail(to: string, pagesUrl: string): RenderedMail {
  const subject = "Someone tried to move an account to your address";
  const resetPage = accountPageLink(pagesUrl, "reset-password");
  const lines = [
    "Someone signed in to another Jessy AI account asked to move it to this address, which already has an " +
    "account. Nothing changed.",
    `Your own account is untouched; if you forgot its password, reset it at ${resetPage}`,
  ];
  return {
    template: "email_change_taken",
    to,
    subject,
    text: [greeting(null), "", ...lines].join("\n"),
    html: htmlDocument(subject, paragraphs([escapeHtml(greeting(null)), ...lines.map(escapeHtml)])),
  };
}

/** The heads-up to the current address when a change of address is requested. */
export function emailChangeRequestedMail(to: string, name: string | null, pagesUrl: string): RenderedMail {
  const subject = "A change of your Jessy AI address was requested";
  const lines = [
    "Someone signed in to your account asked to move it to another address. It only moves once the code mailed " +
    "to that address is entered; you will get another mail here if it does.",
    `If this was not you, change your password now (or reset it at ${accountPageLink(pagesUrl, "reset-password")}).`,
  ];
  return {
    template: "email_change_requested",
    to,
    subject,
    text: [greeting(name), "", ...lines].join("\n"),
    html: htmlDocument(subject, paragraphs([escapeHtml(greeting(name)), ...lines.map(escapeHtml)])),
  };
}

/** Finds the token of an "address changed" mail, for GET /dev/outbox's `revert_token`. */
export const REVERT_TOKEN_IN_TEXT = /^Or enter this revert token in the app: ([A-Za-z0-9_-]+)$/m;

/** Tells the old address that the account moved, with a single-use token that undoes it (7 days). */
export function emailChangedMail(
  to: string,
  name: string | null,
  newEmail: string,
  pagesUrl: string,
  token: string,
): RenderedMail {
  const subject = "Your Jessy AI address was changed";
  const link = accountPageLink(pagesUrl, "revert-email-change", token);
  const lines = [
    `Your account now uses the address ${newEmail}; mail about it goes there.`,
    `If this was not you, undo it within 7 days: ${link}`,
  ];
  const after = "Undoing it restores this address, signs out every device and asks you to choose a new password.";
  return {
    template: "email_changed",
    to,
    subject,
    text: [greeting(name), "", ...lines, "", `Or enter this revert token in the app: ${token}`, "", after].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(name)),
        escapeHtml(lines[0]),
        `If this was not you, <a href="${escapeHtml(link)}">undo it</a> within 7 days.`,
        `Or enter this revert token in the app: <code>${escapeHtml(token)}</code>`,
        escapeHtml(after),
      ]),
    ),
  };
}

/** Finds the token of an account deletion mail, for GET /dev/outbox's `cancel_token`. */
export const CANCEL_TOKEN_IN_TEXT = /^Or enter this cancel token in the app: ([A-Za-z0-9_-]+)$/m;

/** Confirms a deletion request, with the single-use token that keeps the account until it is erased. */
export function accountDeletionMail(
  to: string,
  name: string | null,
  dueAt: Date,
  pagesUrl: string,
  token: string,
): RenderedMail {
  const subject = "Your Jessy AI account will be deleted";
  const link = accountPageLink(pagesUrl, "cancel-account-deletion", token);
  const when = signupTime(dueAt);
  const lines = [
    `Your account was closed and every device signed out. It will be erased for good on ${when}.`,
    `To keep it, cancel before then: ${link}`,
  ];
  return {
    template: "account_deletion",
    to,
    subject,
    text: [greeting(name), "", ...lines, "", `Or enter this cancel token in the app: ${token}`].join("\n"),
    html: htmlDocument(
      subject,
      paragraphs([
        escapeHtml(greeting(name)),
        escapeHtml(lines[0]),
        `To keep it, <a href="${escapeHtml(link)}">cancel the deletion</a> before then.`,
        `Or enter this cancel token in the app: <code>${escapeHtml(token)}</code>`,
      ]),
    ),
  };
}

/** Confirms an account erased at once (no grace period). */
export function accountDeletedMail(to: string): RenderedMail {
  const subject = "Your Jessy AI account was deleted";
  const line = "Your account and what it held were erased. This address can be used to sign up again.";
  return {
    template: "account_deleted",
    to,
    subject,
    text: [greeting(null), "", line].join("\n"),
    html: htmlDocument(subject, paragraphs([escapeHtml(greeting(null)), escapeHtml(line)])),
  };
}
