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
 * introspection verdicts (/admin/, /oauth/), the health report with its details, development mail,
 * and the account pages (an answer can name an outcome of the account; their assets may be cached)
 */
const NO_STORE = /^\/(auth\/|admin\/|oauth\/|dev\/|health(\/|$)|account\/(?!assets\/))/;

/**
 * The account pages: their own script, stylesheet and JSON routes, forms posting to themselves.
 * Nothing from another host, no inline code, never framed.
 */
const ACCOUNT_PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

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
    const accountPages = path.startsWith("/account/");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    headers.set("Content-Security-Policy", docs ? DOCS_CSP : accountPages ? ACCOUNT_PAGES_CSP : API_CSP);
    // Only the docs and account pages are documents a browser could frame or open (frame-ancestors covers the API)
    if (docs || accountPages) {
      headers.set("X-Frame-Options", "DENY");
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
    }
    if (options.hsts) headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    if (NO_STORE.test(path)) headers.set("Cache-Control", "no-store");
  };
}
