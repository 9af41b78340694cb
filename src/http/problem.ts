import { AppError, type FieldError, PROBLEM_CODES, PROBLEM_TYPE_BASE, type ProblemCode } from "../errors.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  request_id: string;
  /** The request's trace, when the service exports traces */
  trace_id?: string;
  errors?: FieldError[];
  retry_after?: number;
}

/** Builds the RFC 9457 body for an AppError. */
export function toProblem(error: AppError, requestId: string, traceId?: string): Problem {
  return {
    type: PROBLEM_TYPE_BASE + error.code,
    title: PROBLEM_CODES[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    request_id: requestId,
    ...(traceId ? { trace_id: traceId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
    ...error.extra,
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
