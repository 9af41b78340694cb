import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { isDatabaseUnavailable, isTransientConflict, isUniqueViolation, isUnstorableText } from "../db/errors.ts";
import { describeError, type Logger } from "../logger.ts";
import type { AppEnv } from "./app-env.ts";
import { PROBLEM_CONTENT_TYPE, toProblem } from "./problem.ts";
import { AppError } from "../errors.ts";
import { currentTraceId } from "../tracing.ts";

const DATABASE_RETRY_AFTER_SECONDS = 5;
/** A rolled-back race clears as soon as the other transaction ends: the client may retry at once. */
const CONFLICT_RETRY_AFTER_SECONDS = 1;

/** Maps anything thrown to an AppError; unknown causes become a generic 500. */
export function classifyError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    switch (error.status) {
      case 400:
        return new AppError("malformed_json", "The request body is not valid JSON", { cause: error });
      case 413:
        return new AppError("payload_too_large", "The request body is too large", { cause: error });
      case 415:
        return new AppError("unsupported_media_type", "Send the request body as application/json", {
          cause: error,
        });
    }
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError("service_unavailable", "The service is temporarily unavailable, retry shortly", {
      cause: error,
      headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
  if (isTransientConflict(error)) {
    return new AppError(
      "service_unavailable",
      "The request collided with a concurrent change and was undone, retry it",
      {
        cause: error,
        headers: { "Retry-After": String(CONFLICT_RETRY_AFTER_SECONDS) },
      },
    );
  }
  if (isUnstorableText(error)) {
    return new AppError("validation_failed", "The request contains characters that cannot be stored", {
      cause: error,
      errors: [{ path: "", message: "Text must not contain NUL or invalid characters" }],
    });
  }
  if (isUniqueViolation(error)) {
    return new AppError("conflict", "The resource already exists", { cause: error });
  }
  return new AppError("internal_error", "An unexpected error occurred", { cause: error });
}

/** Renders an AppError as application/problem+json with the request id. */
export function problemResponse(c: Context<AppEnv>, error: AppError): Response {
  const body = toProblem(error, c.get("requestId") ?? "unknown", currentTraceId());
  // c.body keeps headers middleware already set (request id, CORS)
  return c.body(JSON.stringify(body), error.status as 400, {
    ...error.headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
  });
}

/**
 * The single error handler: every failure becomes problem+json. Internal causes are
 * logged with the request id and never serialized; in development a 500 also logs the
 * stack so it is visible in the terminal.
 */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return function onError(error, c) {
    const appError = classifyError(error);
    if (appError.status >= 500) {
      logger.error("request failed", {
        request_id: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        code: appError.code,
        error: describeError(appError.cause ?? error),
      });
    }
    return problemResponse(c, appError);
  };
}

export interface RouteTable {
  /** Methods registered for the path, or undefined when no route matches it */
  methodsFor(path: string): string[] | undefined;
}

/** Builds a lookup from the app's registered routes, to tell 404 from 405. */
export function routeTable(routes: ReadonlyArray<{ method: string; path: string }>): RouteTable {
  const entries = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const { method, path } of routes) {
    if (method === "ALL" || path.includes("*")) continue;
    const entry = entries.get(path) ?? {
      pattern: new RegExp(
        "^" + path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+") + "/?$",
      ),
      methods: new Set<string>(),
    };
    entry.methods.add(method);
    if (method === "GET") entry.methods.add("HEAD");
    entries.set(path, entry);
  }
  return {
    methodsFor(path) {
      const methods = new Set<string>();
      for (const entry of entries.values()) {
        if (entry.pattern.test(path)) entry.methods.forEach((m) => methods.add(m));
      }
      return methods.size > 0 ? [...methods, "OPTIONS"].sort() : undefined;
    },
  };
}

/** 405 with Allow when the path exists under another method, 404 otherwise. */
export function notFoundHandler(table: () => RouteTable): NotFoundHandler<AppEnv> {
  return function notFound(c) {
    const allowed = table().methodsFor(c.req.path);
    if (allowed) {
      return problemResponse(
        c,
        new AppError("method_not_allowed", `${c.req.method} is not supported on this path`, {
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    return problemResponse(c, new AppError("not_found", "No route matches this path"));
  };
}
