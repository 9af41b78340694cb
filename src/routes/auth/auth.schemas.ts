import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD_BYTES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../services/accounts/passwords.ts";
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

/** A password being set: 8–128 characters and at most 72 bytes in UTF-8 (bcrypt reads no further). */
export const NewPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `Password must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .refine((password) => !password.includes("\u0000"), { message: "Password must not contain NUL characters" })
  .refine((password) => utf8Length(password) <= MAX_PASSWORD_BYTES, {
    message: `Password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8; accented letters and emoji take 2–4 bytes`,
  })
  .openapi({
    description:
      `${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters and at most ${MAX_PASSWORD_BYTES} bytes in UTF-8`,
    example: "correct horse battery staple",
  });

export const SignupRequestSchema = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      // PostgreSQL text cannot hold NUL, and control characters in a display name only do harm
      .refine((name) => !/\p{Cc}/u.test(name), "Name must not contain control characters")
      .optional()
      .openapi({ example: "Alice" }),
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

export const SigninRequestSchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH).openapi({ example: "correct horse battery staple" }),
  })
  .openapi("SigninRequest");

export const ResetPasswordRequestSchema = z
  .object({
    token: z.string().min(1).max(512).openapi({
      description: "The token from the reset mail (also the `token` query parameter of its link)",
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
