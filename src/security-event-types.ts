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
  "password_changed",
  "current_password_failed",
  "email_change_requested",
  "email_changed",
  "email_change_reverted",
  "profile_updated",
  "account_deletion_scheduled",
  "account_deletion_cancelled",
] as const;
export type SecurityEventType = typeof SECURITY_EVENT_TYPES[number];
