/**
 * What each account page says and does: its title, the JSON route it posts to, the fields it
 * asks for and the outcome of every answer in words. The server writes these texts into the
 * page; the script only picks which one to show, so both the scripted page and the no-script
 * answer say the same thing.
 * @module
 */
import type { AccountPage } from "../../mail/account-links.ts";
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from "../../services/accounts/credentials/passwords.ts";

/** One form of a page: the JSON route it posts to and the fields it sends there. */
export interface PageForm {
  /** Sent with the no-script form post, so the server knows which form it is */
  intent: "act" | "request";
  api: string;
  fields: readonly ("token" | "new_password" | "email")[];
  /** Asks for the new password twice and compares them before sending */
  confirmPassword: boolean;
  submit: string;
}

export interface PageDefinition {
  page: AccountPage;
  title: string;
  intro: readonly string[];
  tokenLabel: string;
  tokenHint: string;
  action: PageForm;
  /** A second form that mails a new link (the reset page's) */
  request?: PageForm & { heading: string; text: string };
  /** Outcome texts by key: `done`, problem codes of the route, and the common keys below */
  messages: Readonly<Record<string, string>>;
}

/** What the page says whatever the route: pressure, outages, a cross-site post, local checks. */
const COMMON_MESSAGES = {
  rate_limited: "Too many attempts from your network. Wait a minute, then try again.",
  service_unavailable: "This could not be finished right now. Try again in a moment.",
  failed: "This could not be finished. Try again in a moment.",
  offline: "The service could not be reached. Check your connection, then try again.",
  cross_site: "This form only works from this site's own page. Open the link in your mail again.",
  missing_token: "Paste the token from your mail.",
  validation_failed: "Check the fields marked below.",
} as const;

const PASSWORD_MESSAGES = {
  mismatch: "The two passwords differ. Type the same password in both fields.",
  password_too_similar: "Choose another password: the reason is under the field.",
  password_breached: "Choose another password: the reason is under the field.",
} as const;

/** The password policy in words, shown next to the field before anything is typed. */
export const PASSWORD_RULES = [
  `At least ${MIN_PASSWORD_LENGTH} characters, and at most ${MAX_PASSWORD_BYTES} bytes (accented letters and emoji ` +
  "count 2 to 4).",
  "Not your email address, nor the part before the @.",
  "Not a common password, nor one known from a data breach.",
] as const;

export const PAGE_DEFINITIONS: Readonly<Record<AccountPage, PageDefinition>> = {
  "reset-password": {
    page: "reset-password",
    title: "Choose a new password",
    intro: ["Your new password replaces the old one, and every device signed in to your account is signed out."],
    tokenLabel: "Reset token",
    tokenHint: 'Your reset mail ends with "Or enter this reset token in the app:" and the token: paste it here.',
    action: {
      intent: "act",
      api: "/auth/reset-password",
      fields: ["token", "new_password"],
      confirmPassword: true,
      submit: "Set the new password",
    },
    request: {
      intent: "request",
      api: "/auth/request-password-reset",
      fields: ["email"],
      confirmPassword: false,
      submit: "Mail me a reset link",
      heading: "No link, or it expired?",
      text: "Enter your address and a new reset link is mailed to it.",
    },
    messages: {
      ...COMMON_MESSAGES,
      ...PASSWORD_MESSAGES,
      done: "Your password was changed and every device was signed out. Sign in with the new password.",
      invalid_reset_token: "This reset link has expired or was already used: a link works once, for 15 minutes, " +
        "and a newer one replaces it. Ask for a new link below.",
      request_sent: "If an account uses this address, a reset mail is on its way to it. Its link works for 15 " +
        "minutes.",
    },
  },
  "revert-email-change": {
    page: "revert-email-change",
    title: "Undo the change of address",
    intro: [
      "Your account was moved to another address. If you did not do this, undo it: your old address comes back, " +
      "every device is signed out and your password is replaced with one nobody knows.",
      "A mail to your old address then brings a link to choose a new password.",
    ],
    tokenLabel: "Revert token",
    tokenHint: 'The mail ends with "Or enter this revert token in the app:" and the token: paste it here.',
    action: {
      intent: "act",
      api: "/auth/revert-email-change",
      fields: ["token"],
      confirmPassword: false,
      submit: "Yes, restore my old address",
    },
    messages: {
      ...COMMON_MESSAGES,
      done: "Your old address is back and every device was signed out. Check its mail for the link to choose a " +
        "new password.",
      invalid_account_token: "This link has expired or was already used. An undo link works once, within 7 days " +
        "of the change.",
      conflict: "Another account uses your old address now, so it cannot come back. Write to " +
        "security@jessy-ai.com.",
    },
  },
  "cancel-account-deletion": {
    page: "cancel-account-deletion",
    title: "Keep my account",
    intro: [
      "Your account was closed and will be erased at the date in your mail. Keep it, and it works again: sign " +
      "in with your password.",
    ],
    tokenLabel: "Cancel token",
    tokenHint: 'The mail ends with "Or enter this cancel token in the app:" and the token: paste it here.',
    action: {
      intent: "act",
      api: "/auth/cancel-account-deletion",
      fields: ["token"],
      confirmPassword: false,
      submit: "Keep my account",
    },
    messages: {
      ...COMMON_MESSAGES,
      done: "Your account is kept. Sign in again with your password.",
      invalid_account_token: "This link has expired or was already used, or the account was already erased.",
    },
  },
  "not-me": {
    page: "not-me",
    title: "This wasn't me",
    intro: [
      "If you did not do what the mail told you about, secure your account: every device signed in to it is " +
      "signed out at once, a second factor added in the last 7 days is removed, your password stops working " +
      "and a link to choose a new one is mailed to you.",
      "Opening this page changes nothing: only the button below does.",
    ],
    tokenLabel: "Not-me token",
    tokenHint: 'The mail ends with "Or enter this not-me token in the app:" and the token: paste it here.',
    action: {
      intent: "act",
      api: "/auth/report-not-me",
      fields: ["token"],
      confirmPassword: false,
      submit: "Sign out every device and reset my password",
    },
    messages: {
      ...COMMON_MESSAGES,
      done: "Every device was signed out. Check your mail for the link to choose a new password, then sign in " +
        "with it.",
      invalid_account_token: "This link has expired or was already used: it works once, within 7 days of the " +
        "mail. If you still see activity you do not recognise, reset your password.",
    },
  },
};

/** The definition of `page`, or undefined for a name no page has. */
export function pageDefinition(page: string): PageDefinition | undefined {
  return Object.hasOwn(PAGE_DEFINITIONS, page) ? PAGE_DEFINITIONS[page as AccountPage] : undefined;
}
