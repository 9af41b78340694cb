import { createRouter } from "../../http/router.ts";
import * as handlers from "./dev.handlers.ts";
import * as routes from "./dev.routes.ts";

/** Development-only routes; mountRoutes leaves them out of production entirely. */
export function devRouter() {
  return createRouter()
    .openapi(routes.outbox, handlers.outbox)
    .openapi(routes.mfaCode, handlers.mfaCode);
}
