import { createRouter } from "../../http/router.ts";
import * as handlers from "./auth.handlers.ts";
import * as routes from "./auth.routes.ts";

/** Sign-up, email verification, sign-in and password reset. */
export function authRouter() {
  return createRouter()
    .openapi(routes.signup, handlers.signup)
    .openapi(routes.verifyEmail, handlers.verifyEmail)
    .openapi(routes.resendEmailVerificationOtp, handlers.resendEmailVerificationOtp)
    .openapi(routes.signin, handlers.signin)
    .openapi(routes.requestPasswordReset, handlers.requestPasswordReset)
    .openapi(routes.resetPassword, handlers.resetPassword);
}
