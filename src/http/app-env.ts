import type { AppDeps } from "../deps.ts";
import type { LimitResult } from "../ratelimit/mod.ts";
import type { AuthContext } from "../services/identity.ts";
import type { CurrentUser } from "../services/current-user.ts";
import type { AdminKeyIdentity } from "../services/admin/scopes.ts";

/**
 * Per-request variables. Read them with `c.get(name)`: Hono's `c.var` builds a fresh object
 * of every variable on each access, a cost paid several times on every request.
 */
export interface AppVariables {
  requestId: string;
  deps: AppDeps;
  auth: AuthContext | undefined;
  /** The bearer's user, on routes declared with `auth: "user"` */
  user: CurrentUser | undefined;
  /** The admin API key, on routes declared with `adminScope` */
  adminKey: AdminKeyIdentity | undefined;
  /** The route tier's verdict for this request, set by the rate-limit middleware */
  rateLimit: LimitResult | undefined;
}

/** Hono environment shared by every router and middleware. */
export type AppEnv = { Variables: AppVariables };
