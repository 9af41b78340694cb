import { createRouter } from "../../http/router.ts";
import * as handlers from "./sessions.handlers.ts";
import * as routes from "./sessions.routes.ts";

/** Token refresh, sign-out, sessions, the current user and the audit trail. */
export function sessionsRouter() {
  return createRouter()
    .openapi(routes.refresh, handlers.refresh)
    .openapi(routes.logout, handlers.logout)
    .openapi(routes.logoutAll, handlers.logoutAll)
    .openapi(routes.me, handlers.me)
    .openapi(routes.listSessions, handlers.listSessions)
    .openapi(routes.revokeSession, handlers.revokeSession)
    .openapi(routes.renameSession, handlers.renameSession)
    .openapi(routes.endOtherSessions, handlers.endOtherSessions)
    .openapi(routes.securityEvents, handlers.securityEvents);
}
