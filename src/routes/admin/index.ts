import { createRouter } from "../../http/router.ts";
import * as handlers from "./admin.handlers.ts";
import * as routes from "./admin.routes.ts";

/** The admin API and token introspection, authorised by admin API keys. */
export function adminRouter() {
  return createRouter()
    .openapi(routes.listUsers, handlers.listUsers)
    .openapi(routes.getUser, handlers.getUser)
    .openapi(routes.disableUser, handlers.disableUser)
    .openapi(routes.enableUser, handlers.enableUser)
    .openapi(routes.signOutUser, handlers.signOutUser)
    .openapi(routes.sendPasswordReset, handlers.sendPasswordReset)
    .openapi(routes.deleteUser, handlers.deleteUser)
    .openapi(routes.listEvents, handlers.listEvents)
    .openapi(routes.introspect, handlers.introspect);
}
