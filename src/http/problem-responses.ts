import type { ProblemCode } from "../errors.ts";
import { PROBLEM_CODES, PROBLEM_TYPE_BASE } from "../errors.ts";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";
import { ProblemSchema } from "./schemas.ts";

function problemExample(code: ProblemCode) {
  const { status, title } = PROBLEM_CODES[code];
  return {
    type: PROBLEM_TYPE_BASE + code,
    title,
    status,
    detail: title,
    code,
    request_id: "2c3b0b8e-5b0e-4a8e-9a59-8d1f1f6a9c11",
    ...(code === "validation_failed" ? { errors: [{ path: "email", message: "Invalid email address" }] } : {}),
    ...(code === "rate_limited" ? { retry_after: 42 } : {}),
  };
}

/** Response headers shared by many operations, emitted once under `components.headers`. */
export const SHARED_HEADERS = {
  "X-Request-ID": { description: "Request identifier, also in every error body", schema: { type: "string" as const } },
  "RateLimit-Policy": {
    description: "Quota policies of this operation (IETF draft-ietf-httpapi-ratelimit-headers): name, " +
      "quota `q` and window `w` in seconds; operations that take an email also list the per-email policy",
    schema: { type: "string" as const, example: '"auth";q=5;w=60, "auth_email";q=10;w=900' },
  },
  RateLimit: {
    description: "Remaining quota `r` of each policy and seconds `t` until it resets (IETF draft)",
    schema: { type: "string" as const, example: '"auth";r=4;t=37, "auth_email";r=9;t=512' },
  },
  "X-RateLimit-Limit": {
    description: "Requests allowed per window by the policy closest to its limit",
    schema: { type: "integer" as const },
  },
  "X-RateLimit-Remaining": {
    description: "Requests left in that policy's window",
    schema: { type: "integer" as const },
  },
  "X-RateLimit-Reset": {
    description: "Seconds until that policy's window resets",
    schema: { type: "integer" as const },
  },
  "Retry-After": {
    description: "Whole seconds to wait before retrying (at least 1)",
    schema: { type: "integer" as const, minimum: 1 },
  },
};

export function headerRefs(...names: (keyof typeof SHARED_HEADERS)[]) {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

export const RATE_LIMIT_HEADERS = headerRefs(
  "RateLimit-Policy",
  "RateLimit",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
);
export const REQUEST_ID_HEADER = headerRefs("X-Request-ID");

/** Problem responses grouped by status, each listing the codes it can carry. */
export function problemResponses(codes: Iterable<ProblemCode>, headers: Record<string, unknown>) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const extraHeaders = status === 429 || status === 503
      ? headerRefs("Retry-After")
      : status === 405
      ? { Allow: { description: "Methods the path supports", schema: { type: "string" } } }
      : status === 401
      ? { "WWW-Authenticate": { description: "Bearer challenge (RFC 6750)", schema: { type: "string" } } }
      : {};
    responses[status] = {
      description: `Problem: ${list.join(", ")}`,
      headers: { ...headers, ...extraHeaders },
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: ProblemSchema,
          examples: Object.fromEntries(list.map((code) => [code, { value: problemExample(code) }])),
        },
      },
    };
  }
  return responses;
}
