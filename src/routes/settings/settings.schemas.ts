import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD_LENGTH } from "../../services/accounts/credentials/passwords.ts";
import { EmailSchema, NameSchema, NewPasswordSchema } from "../auth/auth.schemas.ts";
import { MfaCodeSchema } from "../mfa/mfa.schemas.ts";

/** The password a sensitive request re-states; any length is compared, none is echoed. */
const CurrentPasswordSchema = z.string().min(1).max(MAX_PASSWORD_LENGTH).optional().openapi({
  description: "The account's password now; not needed when the access token's sign-in is under 5 minutes old " +
    "(`auth_time`, at `aal` 2 while a second factor is on), for example right after POST /auth/reauthenticate. " +
    "When sent it is always checked: a wrong one counts against this session's own budget " +
    "(`current_password_session`, 10 failures an hour by default); the right one costs nothing",
  example: "correct horse battery staple",
});

/** The second factor's code a sensitive request carries beside its password while a factor is on. */
const MfaCodeField = MfaCodeSchema.optional().openapi({
  description: "Required with `current_password` while a second factor is on (403 `mfa_code_required` without " +
    "it; not needed with a fresh token): the authenticator " +
    "app's 6-digit code or an unused recovery code; a wrong one is 400 `invalid_mfa_code`",
  example: "492039",
});

/** A single-use token from a mail (revert, cancel), as its link's fragment or the bare token. */
const MailedTokenSchema = z.string().min(1).max(512).openapi({
  description: "The token from the mail (also the `#token=` fragment of its link)",
  example: "q3J8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
});

export const UpdateProfileRequestSchema = z
  .object({
    name: NameSchema.openapi({
      description: "Display name, 1–100 characters; no control or bidirectional formatting characters",
      example: "Ada Lovelace",
    }),
  })
  .openapi("UpdateProfileRequest");

export const ChangePasswordRequestSchema = z
  .object({
    current_password: CurrentPasswordSchema,
    mfa_code: MfaCodeField,
    new_password: NewPasswordSchema.openapi({
      description: "8–128 characters, at most 72 bytes in UTF-8; not the address's local part, not a common " +
        "or breached password, not the current one",
      example: "a brand new passphrase",
    }),
  })
  .openapi("ChangePasswordRequest");

export const ChangeEmailRequestSchema = z
  .object({ current_password: CurrentPasswordSchema, mfa_code: MfaCodeField, new_email: EmailSchema })
  .openapi("ChangeEmailRequest");

export const ConfirmEmailChangeRequestSchema = z
  .object({
    otp: z.string().regex(/^\d{6}$/, "The code has 6 digits").openapi({
      description: "The 6-digit code mailed to the new address",
      example: "042917",
    }),
  })
  .openapi("ConfirmEmailChangeRequest");

export const AccountTokenRequestSchema = z.object({ token: MailedTokenSchema }).openapi("AccountTokenRequest");

export const DeleteAccountRequestSchema = z
  .object({ current_password: CurrentPasswordSchema, mfa_code: MfaCodeField })
  .openapi("DeleteAccountRequest");

export const AccountDeletionSchema = z
  .object({
    deletion_due_at: z.string().openapi({
      format: "date-time",
      description: "When the account is erased for good; until then the mailed token keeps it",
      example: "2026-12-06T09:30:00.000Z",
    }),
    message: z.string().openapi({ example: "Account deleted; a mail with a way to keep it is on its way" }),
  })
  .openapi("AccountDeletion", {
    example: {
      deletion_due_at: "2026-12-06T09:30:00.000Z",
      message: "Account deleted; a mail with a way to keep it is on its way",
    },
  });

export const EmailChangeRevertedSchema = z
  .object({
    email_change_reverted: z.literal(true).openapi({ example: true }),
    message: z.string().openapi({ example: "Address restored; every session was signed out" }),
  })
  .openapi("EmailChangeReverted", {
    example: {
      email_change_reverted: true,
      message: "Address restored; every session was signed out; choose a new password with the mailed link",
    },
  });

export const AccountKeptSchema = z
  .object({
    account_kept: z.literal(true).openapi({ example: true }),
    message: z.string().openapi({ example: "The account is kept; sign in again" }),
  })
  .openapi("AccountKept", { example: { account_kept: true, message: "The account is kept; sign in again" } });

export const NotMeReportedSchema = z
  .object({
    signed_out: z.literal(true).openapi({ example: true }),
    message: z.string().openapi({ example: "Every device was signed out; choose a new password with the mailed link" }),
  })
  .openapi("NotMeReported", {
    example: {
      signed_out: true,
      message: "Every device was signed out; choose a new password with the mailed link",
    },
  });
