/**
 * The vocabulary of failures shared by every layer: services throw an AppError with a code
 * from the closed set below, and the web layer renders it as problem+json.
 * @module
 */

/**
 * The closed set of problem codes a client can meet. Each code has one HTTP status and
 * one title; routes list the codes they can return, and the spec documents them.
 */
export const PROBLEM_CODES = {
  malformed_json: { status: 400, title: "Malformed JSON" },
  invalid_credentials: { status: 401, title: "Invalid credentials" },
  invalid_token: { status: 401, title: "Invalid or expired token" },
  email_not_verified: { status: 403, title: "Email not verified" },
  account_disabled: { status: 403, title: "Account disabled" },
  insufficient_scope: { status: 403, title: "Insufficient scope" },
  invalid_otp: { status: 400, title: "Invalid or expired code" },
  invalid_reset_token: { status: 400, title: "Invalid or expired reset token" },
  invalid_current_password: { status: 400, title: "Current password is incorrect" },
  invalid_account_token: { status: 400, title: "Invalid or expired token" },
  invalid_mfa_code: { status: 400, title: "Invalid second-factor code" },
  invalid_mfa_token: { status: 401, title: "Invalid or expired MFA token" },
  invalid_passkey: { status: 401, title: "Passkey not accepted" },
  invalid_passkey_registration: { status: 400, title: "Passkey registration not accepted" },
  mfa_code_required: { status: 403, title: "Second-factor code required" },
  reauthentication_required: { status: 403, title: "Reauthentication required" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  validation_failed: { status: 422, title: "Validation failed" },
  password_unchanged: { status: 422, title: "Password unchanged" },
  password_too_similar: { status: 422, title: "Password too similar to the address" },
  password_breached: { status: 422, title: "Password too common or breached" },
  password_too_weak: { status: 422, title: "Password too easy to guess" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal server error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;
export type ProblemStatus = typeof PROBLEM_CODES[ProblemCode]["status"];

export const PROBLEM_TYPE_BASE = "https://jessy-ai.com/problems/";

export interface FieldError {
  /** Dotted path of the offending field (`email`, `items.0.name`); empty for the body */
  path: string;
  message: string;
}

interface AppErrorOptions {
  /** Internal cause: logged with the request id, never serialized */
  cause?: unknown;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members of the problem body (e.g. retry_after) */
  extra?: { retry_after?: number };
}

/** The one error type handlers and services throw; the error handler renders it. */
export class AppError extends Error {
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;
  readonly extra: { retry_after?: number };

  constructor(readonly code: ProblemCode, readonly detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = "AppError";
    this.status = PROBLEM_CODES[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

/** The RFC 6750 challenge sent with every 401 on a bearer route. */
export function invalidTokenError(detail = "The access token is missing, invalid, expired or revoked"): AppError {
  return new AppError("invalid_token", detail, {
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
  });
}
