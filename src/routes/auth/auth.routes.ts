import { defineRoute } from "../../http/define-route.ts";
import { SIGNED_IN_LINKS } from "../../http/schemas.ts";
import {
  AcceptedSchema,
  EmailRequestSchema,
  PasswordResetResponseSchema,
  ResetPasswordRequestSchema,
  SigninAnswerSchema,
  SigninRequestSchema,
  SignupRequestSchema,
  SignupResponseSchema,
  VerifyEmailRequestSchema,
  VerifyEmailResponseSchema,
} from "./auth.schemas.ts";

export const signup = defineRoute({
  method: "post",
  path: "/auth/signup",
  operationId: "signUp",
  tags: ["Auth"],
  summary: "Create an account and email a verification code",
  description: "Answers 201 with the same body whether the address is new, registered but unverified, or " +
    "registered and verified (its owner is told someone tried, at most once a minute). Until the address is " +
    "verified, every sign-up is kept with its own password and name and gets a code of its own by mail, " +
    "saying when that sign-up was made; POST /auth/verify-email with that code gives the account that " +
    "sign-up's password and name, whatever other sign-ups of the address came before or after. The first 3 " +
    "sign-ups of an address are kept and a later one never displaces them; past them a sign-up is not " +
    'recorded and the mailbox gets the "someone tried to sign up" notice with a reset link, which claims ' +
    "the address. Unverified sign-ups expire after 7 days. The mail carries no text from the request. Fields other than email, " +
    "password and name are ignored. A password is compared and counted in its Unicode NFKC form: 8–128 " +
    "characters and at most 72 bytes in UTF-8, is not and does not contain the address's local part (422 " +
    "`password_too_similar`), is not a common password or, with PWNED_PASSWORDS_FILE, a known-breached one " +
    "(422 `password_breached`), and is not easy to guess by a strength estimate that counts the address, the " +
    "name and the service's name as known words (422 `password_too_weak`, the reason in `errors`); these depend on the " +
    "request alone, never on the account. Limited per client address and per email address (`email_limit`).",
  tier: "auth",
  errors: ["password_too_similar", "password_breached", "password_too_weak", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: SignupRequestSchema } } } },
  responses: {
    201: {
      description: "Accepted; a code is on its way if the address can be registered",
      content: { "application/json": { schema: SignupResponseSchema } },
      links: {
        verifyEmail: {
          operationId: "verifyEmail",
          description: "Verify the address with the 6-digit code from the mail (GET /dev/outbox in development)",
          requestBody: { email: "$response.body#/email" },
        },
        resendEmailVerificationOtp: {
          operationId: "resendEmailVerificationOtp",
          description: "Ask for a new code when the first one expired or never arrived",
          requestBody: { email: "$response.body#/email" },
        },
      },
    },
  },
});

export const verifyEmail = defineRoute({
  method: "post",
  path: "/auth/verify-email",
  operationId: "verifyEmail",
  tags: ["Auth"],
  summary: "Verify an address with its 6-digit code",
  description: "Verifies the address and gives the account the password and name of the sign-up the code was " +
    "mailed for. A code works once, expires after OTP_EXPIRATION_MINUTES (15 by default) and dies after 5 " +
    "attempts; each submission spends an attempt on every live code of the address (at most 3). Wrong, " +
    "expired, used and superseded codes, unknown addresses and already verified accounts all get the same " +
    "`invalid_otp`, after the same work.",
  tier: "email_verification",
  errors: ["invalid_otp", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: VerifyEmailRequestSchema } } } },
  responses: {
    200: {
      description: "The address is verified",
      content: { "application/json": { schema: VerifyEmailResponseSchema } },
      links: {
        signIn: {
          operationId: "signIn",
          description: "Sign in with the verified address and the password chosen at sign-up",
          requestBody: { email: "$request.body#/email" },
        },
      },
    },
  },
});

export const resendEmailVerificationOtp = defineRoute({
  method: "post",
  path: "/auth/resend-email-verification-otp",
  operationId: "resendEmailVerificationOtp",
  tags: ["Auth"],
  summary: "Send a new verification code",
  description: "Only an existing unverified account gets mail: a new code for each of its pending sign-ups " +
    "(at most 3), each mail saying when its sign-up was made, so the owner can tell theirs from a " +
    "stranger's. The new codes kill the earlier ones. Nothing is sent within a minute of the last code mail. " +
    "The answer is the same 202 for every address, given before any of that work starts; when too many " +
    "requests wait for it, 429 `rate_limited` with Retry-After, before anything is accepted.\n\n" +
    "Limits: per client address only (the `email_verification` tier). There is no per-address quota, so " +
    "wrong codes from other clients never use up the owner's way to a fresh code; whoever asks, the code " +
    "goes to the mailbox only.",
  tier: "email_verification",
  rateLimitKey: "ip",
  errors: ["service_unavailable"],
  request: { body: { content: { "application/json": { schema: EmailRequestSchema } } } },
  responses: {
    202: { description: "Accepted", content: { "application/json": { schema: AcceptedSchema } } },
  },
});

export const signin = defineRoute({
  method: "post",
  path: "/auth/signin",
  operationId: "signIn",
  tags: ["Auth"],
  summary: "Exchange email and password for a token pair",
  description: "An unknown address and a wrong password get the same 401 `invalid_credentials`. The right " +
    "password on an unverified account gets 403 `email_not_verified`, on an account an administrator disabled " +
    "403 `account_disabled` (a wrong password there is the same 401 as anywhere). 503 with Retry-After when too many " +
    "password checks are queued.\n\n" +
    "Limits (`x-rate-limit`): per client address, the `auth` tier; per account, every failed attempt without " +
    "a known device token counts against the address's `signin_account` budget (10 an hour by default, from " +
    "every client address together), so nobody can try more than that many passwords an hour; a successful " +
    "sign-in costs nothing, so the 429 comes after as many 401s for any address, known or not. A sign-in " +
    "that sends the `device_token` of an earlier successful sign-in to this account counts against that " +
    "device's own `signin_device` budget instead, so the owner's device keeps working while strangers use " +
    "up the account's. A completed password reset starts a fresh account budget (and makes device tokens " +
    "stale). Past a budget: 429 `rate_limited` with Retry-After, the same body whether the account exists. " +
    "A missing, unknown or stale `device_token` is ignored.",
  tier: "auth",
  rateLimitKey: "ip+account",
  errors: ["invalid_credentials", "email_not_verified", "account_disabled", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: SigninRequestSchema } } } },
  responses: {
    200: {
      description: "Signed in (a token pair), or with a second factor on, the challenge of the second step " +
        "(`mfa_required: true` and no token field; finish with POST /auth/mfa/verify)",
      content: { "application/json": { schema: SigninAnswerSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});

export const requestPasswordReset = defineRoute({
  method: "post",
  path: "/auth/request-password-reset",
  operationId: "requestPasswordReset",
  tags: ["Auth"],
  summary: "Email a single-use password reset link",
  description: "An existing account gets a link to `{ACCOUNT_PAGES_URL}/account/reset-password#token=…` (the " +
    "built-in page on APP_URL unless ACCOUNT_PAGES_URL is set; the token is in the fragment, so the " +
    "token never reaches a server log or a Referer header; the page reads it from `location.hash`) and the token itself, " +
    "valid for 15 minutes and once; a new request kills the earlier token. An address gets at most one reset " +
    "mail a minute; requests within it are answered the same and send nothing. The answer is the same 202 " +
    "for every address, given before any of that work starts; when too many requests wait for it, 429 " +
    "`rate_limited` with Retry-After, before anything is accepted.\n\n" +
    "Limits: per client address only (the `auth` tier). There is no per-address quota, so failed sign-ins " +
    "or other clients' requests can never use up the owner's way back in; completing the reset lifts the " +
    "sign-in lock of the account.",
  tier: "auth",
  rateLimitKey: "ip",
  errors: ["service_unavailable"],
  request: { body: { content: { "application/json": { schema: EmailRequestSchema } } } },
  responses: {
    202: {
      description: "Accepted",
      content: { "application/json": { schema: AcceptedSchema } },
      links: {
        resetPassword: {
          operationId: "resetPassword",
          description: "Set a new password with the token from the mail (GET /dev/outbox in development)",
        },
      },
    },
  },
});

export const resetPassword = defineRoute({
  method: "post",
  path: "/auth/reset-password",
  operationId: "resetPassword",
  tags: ["Auth"],
  summary: "Set a new password with a reset token",
  description: "Uses the token up, signs out every session (all access and refresh tokens stop working), marks " +
    "the address verified and mails a notice. Unknown, expired, used and superseded tokens all get the same " +
    "`invalid_reset_token`. The new password follows the policy of sign-up (422 `password_too_similar`, " +
    "`password_breached`, `password_too_weak`); a refused one leaves the token usable.",
  tier: "auth",
  errors: [
    "invalid_reset_token",
    "password_too_similar",
    "password_breached",
    "password_too_weak",
    "service_unavailable",
  ],
  request: { body: { content: { "application/json": { schema: ResetPasswordRequestSchema } } } },
  responses: {
    200: {
      description: "Password changed",
      content: { "application/json": { schema: PasswordResetResponseSchema } },
      links: {
        signIn: {
          operationId: "signIn",
          description: "Sign in again with the new password",
          requestBody: { password: "$request.body#/new_password" },
        },
      },
    },
  },
});
