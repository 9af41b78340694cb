import { z } from "@hono/zod-openapi";
import { TokenPairSchema } from "../../http/schemas.ts";
import { MfaChallengeSchema } from "../mfa/mfa.schemas.ts";
import {
  MAX_PASSWORD_BYTES,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  normalizePassword,
  passwordLength,
} from "../../services/accounts/credentials/passwords.ts";
import { utf8Length } from "../../encoding.ts";

/** An address as typed; trimmed here, lower-cased by the service for identity. */
export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .check(z.email({ message: "Invalid email address" }))
  .openapi({
    description: "Email address; case and surrounding spaces do not matter for identity",
    example: "alice@example.com",
  });

/**
 * A password being set: 8–128 characters and at most 72 bytes in UTF-8 (bcrypt reads no
 * further), both counted on its NFKC form, the form that is hashed.
 */
export const NewPasswordSchema = z
  .string()
  .max(MAX_PASSWORD_LENGTH, `Password must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .refine((password) => passwordLength(password) >= MIN_PASSWORD_LENGTH, {
    message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
  })
  .refine((password) => !password.includes("\u0000"), { message: "Password must not contain NUL characters" })
  .refine((password) => utf8Length(normalizePassword(password)) <= MAX_PASSWORD_BYTES, {
    message: `Password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8; accented letters and emoji take 2–4 bytes`,
  })
  .openapi({
    description:
      `${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters and at most ${MAX_PASSWORD_BYTES} bytes in ` +
      "UTF-8, counted after Unicode NFKC normalisation; refused when easy to guess",
    minLength: MIN_PASSWORD_LENGTH,
    example: "correct horse battery staple",
  });

/**
 * Bidirectional formatting characters: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). U+202E makes "gpj.exe" read as
 * "exe.jpg"; a display name has no use for any of them.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/** Control characters (C0, DEL, C1) and the line and paragraph separators U+2028, U+2029. */
export const CONTROLS = /[\p{Cc}\u2028\u2029]/u;

/** A display name: shown to its owner once the address is proven, never mailed before. */
export const NameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  // PostgreSQL text cannot hold NUL, and control characters in a display name only do harm
  .refine((name) => !CONTROLS.test(name), "Name must not contain control characters")
  .refine((name) => !BIDI_CONTROLS.test(name), "Name must not contain bidirectional formatting characters")
  .openapi({
    description: "Display name, 1–100 characters; no control or bidirectional formatting characters. It is " +
      "kept with this sign-up and becomes the account's name when the address is verified with this " +
      "sign-up's code; no mail ever carries it before that.",
    example: "Alice",
  });

export const SignupRequestSchema = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    name: NameSchema.optional(),
  })
  .openapi("SignupRequest");

export const SignupResponseSchema = z
  .object({
    email: z.string().openapi({ description: "The address, normalized", example: "alice@example.com" }),
    message: z.string().openapi({
      example: "If this address can be registered, a 6-digit verification code is on its way to it",
    }),
  })
  .openapi("SignupResponse", {
    example: {
      email: "alice@example.com",
      message: "If this address can be registered, a 6-digit verification code is on its way to it",
    },
  });

export const VerifyEmailRequestSchema = z
  .object({
    email: EmailSchema,
    otp: z.string().regex(/^\d{6}$/, "The code has 6 digits").openapi({ example: "042917" }),
  })
  .openapi("VerifyEmailRequest");

export const VerifyEmailResponseSchema = z
  .object({ email_verified: z.literal(true).openapi({ example: true }) })
  .openapi("EmailVerified", { example: { email_verified: true } });

export const EmailRequestSchema = z.object({ email: EmailSchema }).openapi("EmailRequest");

/** The one body of every 202: it must not differ between known and unknown addresses. */
export const AcceptedSchema = z
  .object({ message: z.string().openapi({ example: "If an account needs it, a mail is on its way to this address" }) })
  .openapi("Accepted", {
    example: { message: "If an account needs it, a mail is on its way to this address" },
  });

/** The opaque token a sign-in returns, sent back on the next sign-in from the same device. */
export const DeviceTokenSchema = z.string().min(1).max(256).openapi({
  description: "Opaque token naming a device that signed in to this account before. Sign-ins with it count " +
    "against the device's own limit instead of the account's, so other clients' failures never lock it out. " +
    "Store it with the device; send the one from the latest sign-in.",
  example: "b3Jp6d2x0P9vVq3lT8mYcK1sR4uW7zA0eF5hJ2nL6pQ",
});

export const SigninRequestSchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH).openapi({ example: "correct horse battery staple" }),
    device_token: DeviceTokenSchema.optional(),
  })
  .openapi("SigninRequest");

/** A token pair and the device token for the next sign-in; built field by field (`.extend` gives an allOf). */
export const SigninResponseSchema = z
  .object({
    ...TokenPairSchema.shape,
    device_token: DeviceTokenSchema.openapi({
      description: "Send it as `device_token` on this device's next sign-in. Unchanged while it stays valid; " +
        "a password reset or signing out everywhere makes it stale (the next sign-in returns a new one). " +
        "Forgotten 90 days after the device's last sign-in.",
    }),
  })
  .openapi("SigninResponse", {
    example: {
      access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
      refresh_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
      token_type: "Bearer",
      expires_in: 900,
      device_token: "b3Jp6d2x0P9vVq3lT8mYcK1sR4uW7zA0eF5hJ2nL6pQ",
    },
  });

export const ResetPasswordRequestSchema = z
  .object({
    token: z.string().min(1).max(512).openapi({
      description: "The token from the reset mail (also the `#token=` fragment of its link)",
      example: "q3J8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
    new_password: NewPasswordSchema,
  })
  .openapi("ResetPasswordRequest");

export const PasswordResetResponseSchema = z
  .object({
    password_reset: z.literal(true).openapi({ example: true }),
    message: z.string().openapi({ example: "Password changed; every session was signed out" }),
  })
  .openapi("PasswordResetResponse", {
    example: { password_reset: true, message: "Password changed; every session was signed out" },
  });

/**
 * What the right password gets: the token pair, or with a second factor on the challenge of the
 * second step. Typed as a union so generated clients narrow on `mfa_required`.
 */
export const SigninAnswerSchema = z.union([SigninResponseSchema, MfaChallengeSchema])
  .openapi("SigninAnswer", {}, { unionPreferredType: "oneOf" });
