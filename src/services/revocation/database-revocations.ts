import type { Clock } from "../../clock.ts";
import type { Executor } from "../../db/schema.ts";
import { NOOP_OBSERVER } from "../../observer.ts";
import { findProfileOfUsableToken, readTokenStanding } from "../../repositories/token-standing.ts";
import type { TokenClaims } from "../identity.ts";
import type { Revocations } from "./revocations.ts";

/**
 * Revocation without Redis: every check reads PostgreSQL, one indexed statement, so a
 * revocation is visible on every instance the moment it commits and there is nothing to
 * publish. Where the route reads the user anyway, the check and the read are the same
 * statement (`usableProfile`).
 */
export function createDatabaseRevocations(db: Executor, clock: Clock, observer = NOOP_OBSERVER): Revocations {
  const subject = (claims: TokenClaims) => ({
    userId: claims.userId,
    sessionId: claims.sessionId,
    jti: claims.jti,
    keyId: claims.keyId,
    tokenVersion: claims.tokenVersion,
    now: clock.now(),
  });
  return {
    async isUsable(claims) {
      observer.revocationCheck("database");
      const standing = await readTokenStanding(db, subject(claims));
      return !standing.jtiDenied && !standing.keyWithdrawn && standing.sessionActive &&
        standing.tokenVersion === claims.tokenVersion;
    },
    usableProfile(claims) {
      observer.revocationCheck("database");
      return findProfileOfUsableToken(db, subject(claims));
    },
    publish: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
