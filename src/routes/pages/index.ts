import type { ErrorHandler } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { classifyError, errorHandler } from "../../http/error-handler.ts";
import { createRouter } from "../../http/router.ts";
import { renderMessagePage } from "./page-html.ts";
import * as handlers from "./pages.handlers.ts";
import * as routes from "./pages.routes.ts";

/** The built-in account pages mailed links open (see pages.routes.ts for why they stay out of the spec). */
export function accountPagesRouter() {
  return createRouter()
    .openapi(routes.asset, handlers.asset)
    // Before the generic page: the first route that matches answers
    .openapi(routes.passkeysPage, handlers.passkeysPage)
    .openapi(routes.page, handlers.page)
    .openapi(routes.submitPage, handlers.submitPage)
    .onError(pageErrorHandler);
}

/**
 * A person reads these answers, so a failure before the page's own logic (no such page, too
 * many requests, a fault) is a page in words too. The app's error handler still runs first: it
 * logs what it logs and sets the status and headers (Retry-After, request id).
 */
const pageErrorHandler: ErrorHandler<AppEnv> = async (error, c) => {
  const problem = await errorHandler(c.get("deps").logger)(error, c);
  const { code } = classifyError(error);
  const [title, message] = code === "rate_limited"
    ? ["Too many attempts", "Too many attempts from your network. Wait a minute, then try again."]
    : problem.status < 500
    ? ["Page not found", "There is no page at this address. Open the link in your mail again."]
    : ["Something went wrong", "This could not be finished right now. Try again in a moment."];
  const headers = new Headers(problem.headers);
  headers.set("Content-Type", "text/html; charset=utf-8");
  return new Response(renderMessagePage(title, message), { status: problem.status, headers });
};
