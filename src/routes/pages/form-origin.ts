import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";

/**
 * True when a form post comes from a page of this service. A browser names the posting page's
 * origin in `Origin`; under `Referrer-Policy: no-referrer` it may send `Origin: null` even for
 * its own pages, and then `Sec-Fetch-Site: same-origin` (set by the browser, never by a page)
 * vouches instead. A post from another site, or from a client that names neither, is refused.
 */
export function fromOwnPage(c: Context<AppEnv>): boolean {
  const origin = c.req.header("Origin");
  if (origin && origin !== "null") return ownOrigins(c).includes(origin);
  return c.req.header("Sec-Fetch-Site") === "same-origin";
}

/** APP_URL's origin (the public one, behind a proxy) and the origin this request was addressed to. */
function ownOrigins(c: Context<AppEnv>): string[] {
  return [new URL(c.get("deps").config.appUrl).origin, new URL(c.req.url).origin];
}
