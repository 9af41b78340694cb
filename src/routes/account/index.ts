import { createRouter } from "../../http/router.ts";
import * as handlers from "./account.handlers.ts";
import * as routes from "./account.routes.ts";

/** The signed-in owner's settings: profile, password, address, deletion, and the mailed ways back. */
export function accountSettingsRouter() {
  return createRouter()
    .openapi(routes.updateProfile, handlers.updateProfile)
    .openapi(routes.changePassword, handlers.changePassword)
    .openapi(routes.changeEmail, handlers.changeEmail)
    .openapi(routes.confirmEmailChange, handlers.confirmEmailChange)
    .openapi(routes.revertEmailChange, handlers.revertEmailChange)
    .openapi(routes.deleteAccount, handlers.deleteAccount)
    .openapi(routes.cancelAccountDeletion, handlers.cancelAccountDeletion);
}
