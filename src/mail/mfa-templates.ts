import { accountPageLink } from "./account-links.ts";
import { escapeHtml, htmlDocument } from "./html.ts";
import type { RenderedMail } from "./templates.ts";

/** What happened to the account's second factor, as the owner's notice tells it. */
export type SecondFactorChange =
  | "enabled"
  | "disabled"
  | "disabled_by_admin"
  | "recovery_codes_regenerated"
  | "recovery_code_used"
  | "challenge_failed";

const SENTENCES: Record<SecondFactorChange, { subject: string; line: string }> = {
  enabled: {
    subject: "Two-step sign-in is on for your Jessy AI account",
    line: "An authenticator app was just set up: every sign-in now asks for its code.",
  },
  disabled: {
    subject: "Two-step sign-in was turned off for your Jessy AI account",
    line: "Two-step sign-in was just turned off: a password alone signs in again.",
  },
  disabled_by_admin: {
    subject: "Two-step sign-in was turned off for your Jessy AI account",
    line: "Support just turned two-step sign-in off for your account: a password alone signs in again.",
  },
  recovery_codes_regenerated: {
    subject: "New recovery codes for your Jessy AI account",
    line: "New recovery codes were just made; the earlier ones no longer work.",
  },
  recovery_code_used: {
    subject: "A recovery code was used on your Jessy AI account",
    line: "Someone just signed in with one of your recovery codes; that code no longer works.",
  },
  challenge_failed: {
    subject: "A wrong sign-in code was entered on your Jessy AI account",
    line: "Someone who knows your password just entered a wrong authenticator or recovery code.",
  },
};

/** Tells the owner what happened to their second factor, with the way back if it was not them. */
export function secondFactorMail(to: string, name: string | null, change: SecondFactorChange, pagesUrl: string) {
  const { subject, line } = SENTENCES[change];
  const resetPage = accountPageLink(pagesUrl, "reset-password");
  const lines = [
    line,
    `If this was not you, reset your password right away at ${resetPage} and contact security@jessy-ai.com.`,
  ];
  const greeting = name ? `Hello ${name},` : "Hello,";
  return {
    template: "second_factor",
    to,
    subject,
    text: [greeting, "", ...lines].join("\n"),
    html: htmlDocument(subject, lines.map((text) => `<p>${escapeHtml(text)}</p>`).join("\n")),
  } satisfies RenderedMail;
}
