import type { AppDeps } from "../../app-deps.ts";
import { AppError } from "../../http/errors.ts";
import type { SessionService } from "../session-service.ts";

/** What the account flows use from the app's dependencies. */
export type AccountDeps = Pick<AppDeps, "config" | "clock" | "database" | "passwords" | "sessions">;

/** The session service, which sign-in and password reset cannot do without. */
export function sessionsOf(deps: AccountDeps): SessionService {
  if (!deps.sessions) {
    throw new AppError("internal_error", "An unexpected error occurred", {
      cause: new Error("No session service is configured"),
    });
  }
  return deps.sessions;
}
