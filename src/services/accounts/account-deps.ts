import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { DB, UserRow } from "../../db/schema.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
import type { Logger } from "../../logger.ts";
import type { Observer } from "../../observer.ts";
import type { RateLimiter } from "../../ratelimit/mod.ts";
import type { SessionService } from "../sessions/service.ts";
import type { PasswordHasher } from "./credentials/passwords.ts";
import type { PasswordPolicy } from "./credentials/password-policy.ts";

/**
 * What the account flows need: sign-in starts a session and counts attempts per account, a
 * password reset ends every session.
 */
export interface AccountDeps {
  config: Config;
  clock: Clock;
  /** Where work done after the answer reports its failures */
  logger: Logger;
  db: Kysely<DB>;
  passwords: PasswordHasher;
  /** What a new password must not be: the address's local part, a common or a breached password */
  passwordPolicy: PasswordPolicy;
  rateLimiter: RateLimiter;
  sessions: Pick<
    SessionService,
    "startSession" | "revokeAllSessions" | "prepareRenewal" | "reauthenticate"
  >;
  /** Counts the security events recorded (metrics); none when absent */
  observer?: Observer;
  /**
   * With a second factor on, the code a sensitive request must carry beside its password
   * (services/mfa implements it); no check when absent
   */
  secondFactor?: SecondFactorCheck;
}

/** What a sensitive request may carry as proof (DESIGN.md, "second factor"). */
export interface SensitiveProof {
  current_password?: string;
  mfa_code?: string;
}

/** Checks the `mfa_code` of a sensitive request after its password was right. */
export interface SecondFactorCheck {
  /** 403 `mfa_code_required` when a factor is on and no code came, 400 `invalid_mfa_code` for a wrong one */
  check(user: UserRow, auth: AuthContext, mfaCode: string | undefined, meta: RequestMeta): Promise<void>;
  /**
   * The one proof every sensitive operation asks for: `current_password` (plus `mfa_code` while a factor
   * is on), or, without `current_password`, an access token whose `auth_time` is under 5 minutes old (at
   * `aal` 2 while a factor is on). 403 `reauthentication_required` with neither; a password that is sent is
   * always checked.
   */
  requireProof(user: UserRow, auth: AuthContext, proof: SensitiveProof, meta: RequestMeta): Promise<void>;
}
