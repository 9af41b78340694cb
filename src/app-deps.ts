import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { AuthContext } from "./http/app-env.ts";
import type { Logger } from "./logger.ts";
import type { DevOutbox } from "./mail/dev-outbox.ts";
import type { PasswordHasher } from "./services/passwords.ts";
import type { SessionManager } from "./services/session-manager.ts";
import type { RateLimiter } from "./ratelimit/mod.ts";
import type { SessionService } from "./services/session-service.ts";

export type CheckStatus = "up" | "degraded" | "down";

export interface CheckResult {
  status: CheckStatus;
  latency_ms: number;
  /** Short, secret-free description (store kind, transport) */
  detail?: string;
}

/** A named dependency check reported by /health. */
export type HealthProbe = () => Promise<CheckResult>;

/** Everything the app needs, built by deps.ts in production and by tests on their own. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: Database;
  /** Counts requests per route tier; Redis or Upstash when configured, memory otherwise */
  readonly rateLimiter: RateLimiter;
  /** Checks besides the database: rate-limit store, mailer */
  readonly probes: Readonly<Record<string, HealthProbe>>;
  /** Security features that are active, as reported by /health */
  readonly features: Readonly<Record<string, boolean | string>>;
  /** Verifies an access token; throws an invalid_token AppError otherwise */
  readonly authenticate?: (token: string) => Promise<AuthContext>;
  /** Starts sessions at sign-in and revokes them all at password reset */
  readonly sessions?: SessionService;
  /** bcrypt with bounded concurrency (sign-up, sign-in, password reset) */
  readonly passwords: PasswordHasher;
  /** Development only: mail the worker delivered, listed by GET /dev/outbox */
  readonly devOutbox?: DevOutbox;
  /** Tokens and sessions behind the Sessions routes (the same object as `sessions` in production) */
  readonly sessionManager?: SessionManager;
}
