import type { AppDeps } from "../app-deps.ts";
import type { LimitResult } from "../ratelimit/mod.ts";

/** Who the bearer token belongs to; set by the authenticate middleware. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  /** Access-token expiry, seconds since the epoch */
  expiresAt: number;
}

/**
 * Per-request variables. Read them with `c.get(name)`: Hono's `c.var` builds a fresh object
 * of every variable on each access, a cost paid several times on every request.
 */
export interface AppVariables {
  requestId: string;
  deps: AppDeps;
  auth: AuthContext | undefined;
  /** The route tier's verdict for this request, set by the rate-limit middleware */
  rateLimit: LimitResult | undefined;
}

/** Hono environment shared by every router and middleware. */
export type AppEnv = { Variables: AppVariables };
