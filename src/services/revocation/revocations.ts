/**
 * Revocation: whether a verified access token may still be used, and how a revocation
 * reaches every instance. PostgreSQL is always the truth (sessions, token versions, the jti
 * denylist); an implementation decides only where the check reads it from.
 * @module
 */
import type { UserProfile } from "../../repositories/users.ts";
import type { TokenClaims } from "../identity.ts";

/** What was just revoked in Postgres. */
export interface Revocation {
  /** Denylisted access tokens, each until it expires (seconds since the epoch) */
  jtis?: { jti: string; expiresAt: number }[];
  sessionIds?: string[];
  /** The user's new token version */
  userVersion?: { userId: string; tokenVersion: number };
  /** Retired or revoked signing keys: every token they signed */
  keyIds?: string[];
}

/** The token check, and the announcement of revocations committed in Postgres. */
export interface Revocations {
  /** True when the token is still usable: not denylisted, session live, version current, key neither retired nor revoked */
  isUsable(claims: TokenClaims): Promise<boolean>;
  /** The token's user when the token is still usable, undefined otherwise */
  usableProfile(claims: TokenClaims): Promise<UserProfile | undefined>;
  /** Makes a revocation that has committed visible to every instance's next check */
  publish(revocation: Revocation): Promise<void>;
  close(): Promise<void>;
}
