/**
 * Which audit-trail events mail the account's owner, as which kind, in which words. withEvents
 * queues the notice in the transaction that records the event (see activity-mail.ts), the way
 * webhooks/security-event-hooks.ts maps events to webhooks: a new event type that should reach
 * the owner is one line here.
 * @module
 */
import type { ActivityMailKind } from "../../activity-mail-kinds.ts";
import type { SecurityEventType } from "../../security-event-types.ts";

/** How an event reads in the owner's mail. */
export interface EventNotice {
  kind: ActivityMailKind;
  subject: string;
  line: string;
  /** Tell the device the event names (a reuse: the session that was ended), not only the request's */
  showDevice?: boolean;
}

const ADMIN_MFA_RESET: EventNotice = {
  kind: "admin_action",
  subject: "Two-step sign-in was turned off for your Jessy AI account",
  line: "Support just turned two-step sign-in off for your account: a password alone signs in again.",
};

const NOTICE_OF: Partial<Record<SecurityEventType, EventNotice>> = {
  new_device_signin: {
    kind: "new_device",
    subject: "New sign-in to your Jessy AI account",
    line: "Your account was just signed in to from a device it had not used before.",
    showDevice: true,
  },
  refresh_token_reused: {
    kind: "token_reuse",
    subject: "A signed-in device of your Jessy AI account was signed out",
    line: "A sign-in token of one of your devices was used twice, so someone may hold a copy: that device " +
      "was signed out.",
    showDevice: true,
  },
  signin_locked: {
    kind: "signin_lock",
    subject: "Sign-in to your Jessy AI account is paused",
    line: "Too many wrong passwords were tried for your account: sign-in from new devices waits up to an hour. " +
      "Devices you signed in on before can still sign in.",
  },
  admin_account_disabled: {
    kind: "admin_action",
    subject: "Your Jessy AI account was disabled",
    line: "Support disabled your account and signed out every device.",
  },
  admin_account_enabled: {
    kind: "admin_action",
    subject: "Your Jessy AI account works again",
    line: "Support enabled your account again: you can sign in.",
  },
  admin_signed_out: {
    kind: "admin_action",
    subject: "Every device of your Jessy AI account was signed out",
    line: "Support signed out every device of your account.",
  },
  mfa_enabled: {
    kind: "factor_change",
    subject: "Two-step sign-in is on for your Jessy AI account",
    line: "An authenticator app was just set up: every sign-in now asks for its code.",
  },
  mfa_disabled: {
    kind: "factor_change",
    subject: "Two-step sign-in was turned off for your Jessy AI account",
    line: "Two-step sign-in was just turned off: a password alone signs in again.",
  },
  recovery_codes_regenerated: {
    kind: "factor_change",
    subject: "New recovery codes for your Jessy AI account",
    line: "New recovery codes were just made; the earlier ones no longer work.",
  },
  recovery_code_used: {
    kind: "factor_change",
    subject: "A recovery code was used on your Jessy AI account",
    line: "Someone just signed in with one of your recovery codes; that code no longer works.",
  },
  passkey_added: {
    kind: "factor_change",
    subject: "A passkey was added to your Jessy AI account",
    line: "A passkey was just added: it signs in to your account without the password.",
  },
  passkey_removed: {
    kind: "factor_change",
    subject: "A passkey was removed from your Jessy AI account",
    line: "A passkey was just removed from your account.",
  },
  passkey_counter_regressed: {
    kind: "factor_failure",
    subject: "A passkey of your Jessy AI account may have been copied",
    line: "A sign-in with one of your passkeys was refused: its authenticator looked like a copy of the real one.",
  },
  mfa_challenge_failed: {
    kind: "factor_failure",
    subject: "A wrong sign-in code was entered on your Jessy AI account",
    line: "Someone who knows your password just entered a wrong authenticator or recovery code.",
  },
};

/** The notice an event gives its owner, if any; an administrator's action reads as theirs. */
export function noticeOfEvent(type: SecurityEventType, byAdmin: boolean): EventNotice | undefined {
  if (type === "mfa_disabled" && byAdmin) return ADMIN_MFA_RESET;
  return NOTICE_OF[type];
}
