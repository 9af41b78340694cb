import { createRouter } from "../../http/router.ts";
import * as handlers from "./mfa.handlers.ts";
import * as routes from "./mfa.routes.ts";
import * as adminHandlers from "./admin-mfa.handlers.ts";
import * as adminRoutes from "./admin-mfa.routes.ts";

/** The second factor: enrolment, status, the sign-in's second step, recovery codes, turning it off (the admin's too). */
export function mfaRouter() {
  return createRouter()
    .openapi(routes.startTotp, handlers.startTotp)
    .openapi(routes.activateTotp, handlers.activateTotp)
    .openapi(routes.status, handlers.status)
    .openapi(routes.verify, handlers.verify)
    .openapi(routes.disable, handlers.disable)
    .openapi(routes.regenerateRecoveryCodes, handlers.regenerateRecoveryCodes)
    .openapi(routes.reauthenticate, handlers.reauthenticate)
    .openapi(adminRoutes.removeUserMfa, adminHandlers.removeUserMfa);
}
