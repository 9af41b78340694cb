import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI needs its own scripts, styles and the spec; nothing from other hosts. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * Answers no shared or browser cache may keep: tokens and accounts (/auth/), administration and
 * introspection verdicts (/admin/, /oauth/), the health report with its details, development mail
 */
const NO_STORE = /^\/(auth\/|admin\/|oauth\/|dev\/|health(\/|$))/;

export interface SecurityHeadersOptions {
  /** Send HSTS (one year); only meaningful behind HTTPS, so production only */
  hsts: boolean;
}

/** Security headers on every response; /docs gets a CSP that lets Swagger UI run. */
export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler<AppEnv> {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const headers = c.res.headers;
    const path = c.req.path;
    const docs = path === "/docs" || path.startsWith("/docs/");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    headers.set("Content-Security-Policy", docs ? DOCS_CSP : API_CSP);
    // Only the docs page is a document a browser could frame or open (frame-ancestors covers the API)
    if (docs) {
      headers.set("X-Frame-Options", "DENY");
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
    }
    if (options.hsts) headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    if (NO_STORE.test(path)) headers.set("Cache-Control", "no-store");
  };
}
