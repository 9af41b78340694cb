import { createRouter } from "../../http/router.ts";
import * as handlers from "./security.handlers.ts";
import * as routes from "./security.routes.ts";

/** GET /security-test: shows the rate limiter at work. */
export function securityRouter() {
  return createRouter().openapi(routes.securityTest, handlers.securityTest);
}
