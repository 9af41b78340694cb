/**
 * The closed set of problem codes a client can meet. Each code has one HTTP status and
 * one title; routes list the codes they can return, and the spec documents them.
 */
export const PROBLEM_CODES = {
  malformed_json: { status: 400, title: "Malformed JSON" },
  invalid_credentials: { status: 401, title: "Invalid credentials" },
  invalid_token: { status: 401, title: "Invalid or expired token" },
  email_not_verified: { status: 403, title: "Email not verified" },
  invalid_otp: { status: 400, title: "Invalid or expired code" },
  invalid_reset_token: { status: 400, title: "Invalid or expired reset token" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  validation_failed: { status: 422, title: "Validation failed" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal server error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;
export type ProblemStatus = typeof PROBLEM_CODES[ProblemCode]["status"];

export const PROBLEM_TYPE_BASE = "https://jessy-ai.com/problems/";
