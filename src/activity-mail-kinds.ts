/**
 * The kinds of activity mail the owner of an account gets (ACTIVITY_MAILS picks which go out; all
 * by default). Each audit event that mails the owner belongs to one kind (services/activity/).
 */
export const ACTIVITY_MAIL_KINDS = [
  /** A sign-in without a valid device token, on an account that signed in before */
  "new_device",
  /** A rotated refresh token came back: its session was ended */
  "token_reuse",
  /** Failed sign-ins spent the account's budget: sign-in without a known device waits */
  "signin_lock",
  /** An administrator disabled, enabled or signed out the account, or turned its second factor off */
  "admin_action",
  /** A second factor or passkey added or removed, recovery codes made or used */
  "factor_change",
  /** A wrong second-factor code after the right password */
  "factor_failure",
] as const;
export type ActivityMailKind = typeof ACTIVITY_MAIL_KINDS[number];

export function isActivityMailKind(text: string): text is ActivityMailKind {
  return (ACTIVITY_MAIL_KINDS as readonly string[]).includes(text);
}
