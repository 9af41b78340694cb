/** Audit-trail event types; the set is closed so clients can switch on it. */
export const SECURITY_EVENT_TYPES = [
  "signup",
  "signin_succeeded",
  "signin_failed",
  "email_verified",
  "email_verification_failed",
  "email_verification_requested",
  "password_reset_requested",
  "password_reset",
  "refresh_token_reused",
  "session_revoked",
  "logout",
  "logout_all",
  "admin_account_disabled",
  "admin_account_enabled",
  "admin_signed_out",
  "admin_password_reset_sent",
] as const;
export type SecurityEventType = typeof SECURITY_EVENT_TYPES[number];
