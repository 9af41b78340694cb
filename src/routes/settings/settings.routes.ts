import { defineRoute } from "../../http/define-route.ts";
import { CurrentUserSchema, SIGNED_IN_LINKS, TokenPairSchema } from "../../http/schemas.ts";
import { AcceptedSchema } from "../auth/auth.schemas.ts";
import { PROOF_ERRORS } from "../mfa/mfa.routes.ts";
import {
  AccountDeletionSchema,
  AccountKeptSchema,
  AccountTokenRequestSchema,
  ChangeEmailRequestSchema,
  ChangePasswordRequestSchema,
  ConfirmEmailChangeRequestSchema,
  DeleteAccountRequestSchema,
  EmailChangeRevertedSchema,
  NotMeReportedSchema,
  UpdateProfileRequestSchema,
} from "./settings.schemas.ts";

const TAGS = ["Account"];

const PASSWORD_POLICY = "A new password is 8–128 characters and at most 72 bytes in UTF-8 (in its Unicode NFKC " +
  "form), is not and does not contain the address's local part (422 `password_too_similar`), is not a common " +
  "password or, with PWNED_PASSWORDS_FILE, a known-breached one (422 `password_breached`), and is not easy to " +
  "guess (422 `password_too_weak`); `errors` names the field and the reason.";

const CURRENT_PASSWORD = "Proof: `current_password`, plus `mfa_code` while a second factor is on (403 " +
  "`mfa_code_required` without it, 400 `invalid_mfa_code` when wrong); or no `current_password` and an access " +
  "token whose sign-in (`auth_time`) is under 5 minutes old, at `aal` 2 while a factor is on — POST " +
  "/auth/reauthenticate gives one, a refresh keeps the old `auth_time`. Neither is 403 " +
  "`reauthentication_required`. A `current_password` that is sent is always checked: a wrong one gets 400 " +
  "`invalid_current_password` and counts against this session's own budget (`current_password_session`, 10 " +
  "failures an hour by default); past it, 429. The account's `signin_account` budget, which strangers at the " +
  "sign-in form can spend, is not used. The `sensitive` tier's per-user limit applies however the request is proven.";

export const updateProfile = defineRoute({
  method: "patch",
  path: "/auth/me",
  operationId: "updateCurrentUser",
  tags: TAGS,
  summary: "Update the profile",
  description: "Sets the display name (the same rules as at sign-up) and returns the account. Records a " +
    "`profile_updated` security event.",
  tier: "general",
  auth: true,
  request: { body: { content: { "application/json": { schema: UpdateProfileRequestSchema } } } },
  responses: {
    200: { description: "The updated user", content: { "application/json": { schema: CurrentUserSchema } } },
  },
});

export const changePassword = defineRoute({
  method: "post",
  path: "/auth/change-password",
  operationId: "changePassword",
  tags: TAGS,
  summary: "Change the password",
  description: "Returns a new token pair for this session (same session id; its earlier tokens are spent) and " +
    "revokes every other session and token of the user on every instance before answering. The new password " +
    "must differ from the current one (422 `password_unchanged`). " + PASSWORD_POLICY + " " + CURRENT_PASSWORD +
    " Records `password_changed` and mails a notice with the way back (a reset) to the account's address.",
  tier: "sensitive",
  auth: true,
  errors: [
    ...PROOF_ERRORS,
    "password_unchanged",
    "password_too_similar",
    "password_breached",
    "password_too_weak",
  ],
  request: { body: { content: { "application/json": { schema: ChangePasswordRequestSchema } } } },
  responses: {
    200: {
      description: "Password changed; this session's new pair",
      content: { "application/json": { schema: TokenPairSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});

export const changeEmail = defineRoute({
  method: "post",
  path: "/auth/change-email",
  operationId: "changeEmail",
  tags: TAGS,
  summary: "Ask to move the account to another address",
  description: "Answers the same 202, byte for byte and before any of the work that depends on the new " +
    "address: a free address gets a 6-digit code (valid OTP_EXPIRATION_MINUTES, once, 5 attempts; a new request " +
    "kills the earlier one), a taken one gets a notice to its owner instead. The current address gets a " +
    "heads-up either way, and `email_change_requested` is recorded. Confirm with POST /auth/confirm-email-change. " +
    "The account's own address is a 422 on `new_email`. When too many requests wait for that work, 429 " +
    "`rate_limited` with Retry-After, before anything is accepted. " + CURRENT_PASSWORD,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS],
  request: { body: { content: { "application/json": { schema: ChangeEmailRequestSchema } } } },
  responses: {
    202: {
      description: "Accepted; a code is on its way if the address can be used",
      content: { "application/json": { schema: AcceptedSchema } },
      links: {
        confirmEmailChange: {
          operationId: "confirmEmailChange",
          description: "Confirm with the code mailed to the new address (GET /dev/outbox in development)",
        },
      },
    },
  },
});

export const confirmEmailChange = defineRoute({
  method: "post",
  path: "/auth/confirm-email-change",
  operationId: "confirmEmailChange",
  tags: TAGS,
  summary: "Confirm a change of address with its code",
  description: "Moves the account to the new address, verified, and returns it. Wrong, expired, used and " +
    "exhausted codes (5 attempts kill the request) all get `invalid_otp`. The old address gets a mail with a " +
    "single-use token, valid 7 days, for POST /auth/revert-email-change. Reset links mailed earlier stop " +
    "working. Records `email_changed`.",
  tier: "email_verification",
  auth: true,
  errors: ["invalid_otp"],
  request: { body: { content: { "application/json": { schema: ConfirmEmailChangeRequestSchema } } } },
  responses: {
    200: { description: "The user at the new address", content: { "application/json": { schema: CurrentUserSchema } } },
  },
});

export const revertEmailChange = defineRoute({
  method: "post",
  path: "/auth/revert-email-change",
  operationId: "revertEmailChange",
  tags: TAGS,
  summary: 'Undo a change of address ("this wasn\'t me")',
  description: "With the token mailed to the old address: restores it, revokes every session and token of " +
    "the user on every instance, replaces the password with one nobody knows and mails a reset link to the " +
    "restored address. An unverified sign-up that took the old address meanwhile is dropped; a verified " +
    "account holding it gets 409 `conflict`. The revert undoes every later move too: revert tokens mailed " +
    "since stop working (earlier ones keep working, so the first address always wins). During a pending " +
    "deletion the account is kept and the deletion's cancel tokens stop working (also records " +
    "`account_deletion_cancelled`). Unknown, used and expired tokens, and accounts past their deletion date, " +
    "get `invalid_account_token`; a refused token stays usable. Records `email_change_reverted`.",
  tier: "auth",
  errors: ["invalid_account_token", "conflict", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: AccountTokenRequestSchema } } } },
  responses: {
    200: {
      description: "Address restored",
      content: { "application/json": { schema: EmailChangeRevertedSchema } },
      links: {
        resetPassword: {
          operationId: "resetPassword",
          description: "Choose a new password with the token mailed to the restored address",
        },
      },
    },
  },
});

export const reportNotMe = defineRoute({
  method: "post",
  path: "/auth/report-not-me",
  operationId: "reportNotMe",
  tags: TAGS,
  summary: 'Report activity that was not the owner ("this wasn\'t me")',
  description: "With the token of an activity mail (a new-device sign-in, a factor added, …; the link opens " +
    "/account/not-me): before answering, ends every session and token of the account on every instance, " +
    "forgets every known device (their device tokens count as unknown), removes a second factor turned on " +
    "within the last 7 days (with its recovery codes; an older one stays), replaces the password with one " +
    "nobody knows and mails a password reset link. " +
    "The token works once, for 7 days; the other mails' tokens stop working with it. Unknown, used and " +
    "expired tokens get `invalid_account_token`. Records `suspicious_activity_reported`.",
  tier: "auth",
  errors: ["invalid_account_token", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: AccountTokenRequestSchema } } } },
  responses: {
    200: {
      description: "Every device signed out; a reset link is on its way",
      content: { "application/json": { schema: NotMeReportedSchema } },
      links: {
        resetPassword: {
          operationId: "resetPassword",
          description: "Choose a new password with the token mailed to the account's address",
        },
      },
    },
  },
});

export const deleteAccount = defineRoute({
  method: "post",
  path: "/auth/delete-account",
  operationId: "deleteAccount",
  tags: TAGS,
  summary: "Delete the account",
  description: "The account stops working at once: every session and token is revoked on every instance " +
    "before the answer, and sign-in answers as for an unknown address. It is erased for good after " +
    "ACCOUNT_DELETION_GRACE_DAYS (7 by default; 0 erases it at once), with everything that refers to it; " +
    "its security events are kept with a pseudonym instead of the user id. Until then the address stays " +
    "taken, and the single-use token mailed to it keeps the account (POST /auth/cancel-account-deletion); " +
    "while a revert token of an address change lives, the address it would restore gets a mail with a token " +
    "of its own. " +
    CURRENT_PASSWORD + " Records `account_deletion_scheduled`.",
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS],
  request: { body: { content: { "application/json": { schema: DeleteAccountRequestSchema } } } },
  responses: {
    202: {
      description: "Deleted; erased at `deletion_due_at`",
      content: { "application/json": { schema: AccountDeletionSchema } },
      links: {
        cancelAccountDeletion: {
          operationId: "cancelAccountDeletion",
          description: "Keep the account with the token from the mail (GET /dev/outbox in development)",
        },
      },
    },
  },
});

export const cancelAccountDeletion = defineRoute({
  method: "post",
  path: "/auth/cancel-account-deletion",
  operationId: "cancelAccountDeletion",
  tags: TAGS,
  summary: "Keep an account waiting for erasure",
  description: "With the token from the deletion mail, within the grace period: the account works again " +
    "(sign in anew: its sessions stay ended), and the tokens mailed to its other addresses stop working. " +
    "Unknown, used and expired tokens, and accounts already erased, get `invalid_account_token`. Records " +
    "`account_deletion_cancelled`.",
  tier: "auth",
  errors: ["invalid_account_token", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: AccountTokenRequestSchema } } } },
  responses: {
    200: {
      description: "The account is kept",
      content: { "application/json": { schema: AccountKeptSchema } },
      links: {
        signIn: { operationId: "signIn", description: "Sign in again with the account's password" },
      },
    },
  },
});
