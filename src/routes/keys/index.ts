import { createRouter } from "../../http/router.ts";
import * as handlers from "./keys.handlers.ts";
import * as routes from "./keys.routes.ts";

export function keysRouter() {
  return createRouter()
    .openapi(routes.jwks, handlers.jwks)
    .openapi(routes.metadata, handlers.metadata);
}
