import { defineRoute } from "../../http/define-route.ts";
import { SIGNED_IN_LINKS, TokenPairSchema } from "../../http/schemas.ts";
import { SigninResponseSchema } from "../auth/auth.schemas.ts";
import {
  ActivateTotpRequestSchema,
  MfaStatusSchema,
  MfaVerifyRequestSchema,
  ProofRequestSchema,
  ReauthenticateRequestSchema,
  RecoveryCodesSchema,
  TotpEnrolmentSchema,
} from "./mfa.schemas.ts";

const TAGS = ["Second factor"];
const PROOF = "Proof: `current_password` plus `mfa_code` while a factor is on (403 `mfa_code_required` " +
  "without it), or an access token whose sign-in is under 5 minutes old (at `aal` 2 while a factor is on); " +
  "neither is 403 `reauthentication_required`.";
/** The problems a sensitive request's proof can meet (DESIGN.md, "second factor"). */
export const PROOF_ERRORS = [
  "reauthentication_required",
  "invalid_current_password",
  "mfa_code_required",
  "invalid_mfa_code",
] as const;

export const startTotp = defineRoute({
  method: "post",
  path: "/auth/mfa/totp",
  operationId: "startTotpEnrolment",
  tags: TAGS,
  summary: "Start setting up an authenticator app",
  description: "Returns a new secret, its `otpauth://` URI (issuer MFA_ISSUER, the account's address as label) " +
    "and a QR code as SVG. Nothing changes for sign-in until POST /auth/mfa/totp/activate gets a first code; " +
    "an enrolment not activated within `expires_in` is dead. 409 `conflict` when a factor is already on, or " +
    "in production without KEY_ENCRYPTION_KEY (the secret is sealed at rest). " + PROOF,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS, "conflict"],
  request: { body: { content: { "application/json": { schema: ProofRequestSchema } } } },
  responses: {
    200: { description: "Scan or type it in", content: { "application/json": { schema: TotpEnrolmentSchema } } },
  },
});

export const activateTotp = defineRoute({
  method: "post",
  path: "/auth/mfa/totp/activate",
  operationId: "activateTotp",
  tags: TAGS,
  summary: "Turn the authenticator app on with its first code",
  description: "The first right code turns the factor on and returns 10 recovery codes, shown this once and by " +
    "no later route. A wrong or malformed code is 400 `invalid_mfa_code`; no enrolment waiting, 409 " +
    "`conflict`. Records `mfa_enabled` and mails the owner.",
  tier: "sensitive",
  auth: true,
  errors: ["invalid_mfa_code", "conflict"],
  request: { body: { content: { "application/json": { schema: ActivateTotpRequestSchema } } } },
  responses: {
    200: { description: "On", content: { "application/json": { schema: RecoveryCodesSchema } } },
  },
});

export const status = defineRoute({
  method: "get",
  path: "/auth/mfa",
  operationId: "getMfaStatus",
  tags: TAGS,
  summary: "Which second factors are on",
  description: "Never a secret nor a recovery code.",
  tier: "general",
  auth: true,
  responses: {
    200: { description: "The account's factors", content: { "application/json": { schema: MfaStatusSchema } } },
  },
});

export const verify = defineRoute({
  method: "post",
  path: "/auth/mfa/verify",
  operationId: "verifyMfa",
  tags: TAGS,
  summary: "Finish a sign-in with the second factor",
  description: 'Trades the sign-in\'s `mfa_token` and one code for the token pair (`amr` `["pwd","otp"]` ' +
    'for an authenticator code, `["pwd","mfa"]` for a recovery code; `aal` 2). A code works once: a TOTP ' +
    "code's 30-second step is refused a second time, a recovery code is used up. A wrong, used or malformed " +
    "code is 400 `invalid_mfa_code`; it counts against the `mfa_token` (5 kill it) and against the account's " +
    "`signin_account` budget, as a wrong password does (429 past it). A used, expired, unknown `mfa_token`, " +
    "or one from before a password change, is 401 `invalid_mfa_token`. With `passkey` instead of `code` (when " +
    '`methods` lists it): `amr` `["pwd","hwk"]` (or `swk`); an assertion that does not check out is 401 ' +
    "`invalid_passkey` and counts like a wrong code.",
  tier: "auth",
  rateLimitKey: "ip",
  errors: ["invalid_mfa_code", "invalid_mfa_token", "invalid_passkey", "service_unavailable"],
  request: { body: { content: { "application/json": { schema: MfaVerifyRequestSchema } } } },
  responses: {
    200: {
      description: "Signed in",
      content: { "application/json": { schema: SigninResponseSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});

export const disable = defineRoute({
  method: "post",
  path: "/auth/mfa/disable",
  operationId: "disableMfa",
  tags: TAGS,
  summary: "Turn the second factor off",
  description: "Removes the authenticator and every recovery code; records `mfa_disabled` and mails the owner. " +
    PROOF,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS],
  request: { body: { content: { "application/json": { schema: ProofRequestSchema } } } },
  responses: {
    204: { description: "Off" },
  },
});

export const regenerateRecoveryCodes = defineRoute({
  method: "post",
  path: "/auth/mfa/recovery-codes",
  operationId: "regenerateRecoveryCodes",
  tags: TAGS,
  summary: "Replace the recovery codes",
  description: "Ten new codes, shown this once; every earlier code stops working. Records " +
    "`recovery_codes_regenerated` and mails the owner. 409 `conflict` without a factor on. " + PROOF,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS, "conflict"],
  request: { body: { content: { "application/json": { schema: ProofRequestSchema } } } },
  responses: {
    200: { description: "The new codes", content: { "application/json": { schema: RecoveryCodesSchema } } },
  },
});

export const reauthenticate = defineRoute({
  method: "post",
  path: "/auth/reauthenticate",
  operationId: "reauthenticate",
  tags: TAGS,
  summary: "Prove who you are again: a pair for this session with a fresh auth_time",
  description: "With the password (and `mfa_code` while a second factor is on: 403 `mfa_code_required` without " +
    "it), returns a new pair for this session whose `auth_time` is now (`aal` 2 with a code), so the sensitive " +
    "routes accept it without a password for the next 5 minutes. The session's earlier refresh tokens are spent.",
  tier: "sensitive",
  auth: true,
  errors: ["invalid_current_password", "mfa_code_required", "invalid_mfa_code"],
  request: { body: { content: { "application/json": { schema: ReauthenticateRequestSchema } } } },
  responses: {
    200: {
      description: "This session's new pair",
      content: { "application/json": { schema: TokenPairSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});
