import { createRouter } from "../../http/router.ts";
import * as handlers from "./settings.handlers.ts";
import * as routes from "./settings.routes.ts";

/** The signed-in owner's settings: profile, password, address, deletion, and the mailed ways back. */
export function settingsRouter() {
  return createRouter()
    .openapi(routes.updateProfile, handlers.updateProfile)
    .openapi(routes.changePassword, handlers.changePassword)
    .openapi(routes.changeEmail, handlers.changeEmail)
    .openapi(routes.confirmEmailChange, handlers.confirmEmailChange)
    .openapi(routes.revertEmailChange, handlers.revertEmailChange)
    .openapi(routes.reportNotMe, handlers.reportNotMe)
    .openapi(routes.deleteAccount, handlers.deleteAccount)
    .openapi(routes.cancelAccountDeletion, handlers.cancelAccountDeletion);
}
