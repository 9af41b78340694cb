import { PROBLEM_CODES, PROBLEM_TYPE_BASE, type ProblemCode } from "./problem-codes.ts";

export interface FieldError {
  /** Dotted path of the offending field (`email`, `items.0.name`); empty for the body */
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  request_id: string;
  errors?: FieldError[];
  retry_after?: number;
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

/** Builds the RFC 9457 body for an AppError. */
export function toProblem(error: AppError, requestId: string): Problem {
  return {
    type: PROBLEM_TYPE_BASE + error.code,
    title: PROBLEM_CODES[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    request_id: requestId,
    ...(error.errors ? { errors: error.errors } : {}),
    ...error.extra,
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
