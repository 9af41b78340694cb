import { createRouter } from "../../http/router.ts";
import * as handlers from "./passkeys.handlers.ts";
import * as routes from "./passkeys.routes.ts";

/** Passkeys: registration, the account's list, sign-in with no address. */
export function passkeysRouter() {
  return createRouter()
    .openapi(routes.registrationOptions, handlers.registrationOptions)
    .openapi(routes.register, handlers.register)
    .openapi(routes.list, handlers.list)
    .openapi(routes.signinOptions, handlers.signinOptions)
    .openapi(routes.signin, handlers.signin)
    .openapi(routes.rename, handlers.rename)
    .openapi(routes.remove, handlers.remove);
}
