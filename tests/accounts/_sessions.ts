import type { Database } from "../../src/db/database.ts";
import type { Clock } from "../../src/clock.ts";
import type { SessionService } from "../../src/services/session-service.ts";
import { bumpTokenVersion } from "../../src/repositories/users.ts";

/**
 * A small real session service for account tests: sessions are rows, tokens are random
 * strings. It keeps the contract (a session per sign-in, revocation bumps token_version),
 * which is all the account flows rely on.
 */
export function testSessions(database: Database, clock: Clock): SessionService {
  return {
    async startSession(user, meta) {
      const now = clock.now();
      await database.db
        .insertInto("sessions")
        .values({
          user_id: user.id,
          created_at: now,
          last_used_at: now,
          expires_at: new Date(now.getTime() + 86_400_000),
          ip: meta.ip,
          user_agent: meta.userAgent,
        })
        .execute();
      return {
        access_token: `access-${crypto.randomUUID()}`,
        refresh_token: `refresh-${crypto.randomUUID()}`,
        token_type: "Bearer",
        expires_in: 900,
      };
    },
    async revokeAllSessions(userId, reason, trx) {
      const db = trx ?? database.db;
      const now = clock.now();
      await bumpTokenVersion(db, userId, now);
      await db
        .updateTable("sessions")
        .set({ revoked_at: now, revoked_reason: reason })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .execute();
    },
  };
}
