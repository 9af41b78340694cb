import { z } from "@hono/zod-openapi";
import { AuthenticationCredentialSchema } from "../passkeys/credential.schemas.ts";

const CODE_DESCRIPTION = "The 6-digit code the authenticator app shows, or one unused recovery code " +
  "(`xxxxx-xxxxx`); anything else is 400 `invalid_mfa_code`";

/** A code as typed: its shape is checked by the service, so every bad code gets the one `invalid_mfa_code`. */
export const MfaCodeSchema = z.string().max(64).openapi({ description: CODE_DESCRIPTION, example: "492039" });

/** The proof a sensitive operation takes (see DESIGN: a fresh access token stands in for both). */
export const ProofRequestSchema = z
  .object({
    current_password: z.string().min(1).max(128).optional().openapi({
      description: "The account's password; not needed when the access token's sign-in is under 5 minutes old " +
        "(and at `aal` 2 when a second factor is on)",
      example: "correct horse battery staple",
    }),
    mfa_code: MfaCodeSchema.optional().openapi({
      description: "With `current_password` while a second factor is on: " + CODE_DESCRIPTION,
      example: "492039",
    }),
  })
  .openapi("ProofRequest");

export const TotpEnrolmentSchema = z
  .object({
    secret: z.string().openapi({
      description: "Base32 secret, for typing into an authenticator app by hand",
      example: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    }),
    otpauth_uri: z.string().openapi({
      description: "The `otpauth://totp/` URI the QR code holds",
      example: "otpauth://totp/Jessy%20AI:alice%40example.com?issuer=Jessy%20AI&secret=JBSWY3DPEHPK3PXP" +
        "&algorithm=SHA1&digits=6&period=30",
    }),
    qr_svg: z.string().openapi({ description: "The URI as a QR code, an SVG document", example: "<svg …></svg>" }),
    expires_in: z.number().int().openapi({
      description: "Seconds left to activate with a first code",
      example: 600,
    }),
  })
  .openapi("TotpEnrolment");

export const ActivateTotpRequestSchema = z
  .object({ code: MfaCodeSchema.openapi({ description: "The app's current 6-digit code", example: "492039" }) })
  .openapi("ActivateTotpRequest");

export const RecoveryCodesSchema = z
  .object({
    recovery_codes: z.array(z.string()).openapi({
      description: "Ten single-use codes, shown this once: each signs in instead of an authenticator code",
      example: ["7kq2m-x9vbd", "h4n8p-2wzre"],
    }),
  })
  .openapi("RecoveryCodes");

export const MfaStatusSchema = z
  .object({
    enabled: z.boolean().openapi({ example: true }),
    methods: z.array(z.literal("totp")).openapi({ description: "Second factors that are on", example: ["totp"] }),
    totp_enabled_at: z.string().nullable().openapi({ format: "date-time", example: "2026-12-07T10:00:00.000Z" }),
    recovery_codes_left: z.number().int().openapi({ example: 9 }),
  })
  .openapi("MfaStatus");

export const MfaVerifyRequestSchema = z
  .object({
    mfa_token: z.string().min(1).max(256).openapi({
      description: "The `mfa_token` of the sign-in's answer",
      example: "b3Jp6d2x0P9vVq3lT8mYcK1sR4uW7zA0eF5hJ2nL6pQ",
    }),
    code: MfaCodeSchema.optional().openapi({ description: CODE_DESCRIPTION + ". Or send `passkey` instead" }),
    passkey: AuthenticationCredentialSchema.optional().openapi({
      description: "Instead of `code`, when `methods` lists `passkey`: the assertion answering the options " +
        "POST /auth/passkeys/signin/options gave for this `mfa_token`",
    }),
  })
  .refine((body) => (body.code === undefined) !== (body.passkey === undefined), {
    message: "Send either code or passkey",
    path: ["code"],
  })
  .openapi("MfaVerifyRequest");

/** The first step's answer for an account with a factor on: no token field at all. */
export const MfaChallengeSchema = z
  .object({
    mfa_required: z.literal(true).openapi({ example: true }),
    mfa_token: z.string().openapi({
      description: "Send it with a code to POST /auth/mfa/verify: once, within `expires_in`; never a bearer token",
      example: "b3Jp6d2x0P9vVq3lT8mYcK1sR4uW7zA0eF5hJ2nL6pQ",
    }),
    methods: z.array(z.enum(["totp", "recovery_code", "passkey"])).openapi({
      description: "What POST /auth/mfa/verify takes: `passkey` when the account has one (after a password " +
        "step; its options come from POST /auth/passkeys/signin/options with this `mfa_token`)",
      example: ["totp", "recovery_code", "passkey"],
    }),
    expires_in: z.number().int().openapi({ example: 300 }),
  })
  .openapi("MfaChallenge");

export const ReauthenticateRequestSchema = z
  .object({
    current_password: z.string().min(1).max(128).openapi({
      description:
        "The account's password; a wrong one counts against this session's `current_password_session` budget",
      example: "correct horse battery staple",
    }),
    mfa_code: MfaCodeSchema.optional().openapi({
      description: "Required while a second factor is on: " + CODE_DESCRIPTION,
      example: "492039",
    }),
  })
  .openapi("ReauthenticateRequest");
