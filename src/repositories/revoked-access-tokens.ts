import type { Executor } from "../db/schema.ts";

/** Denylists an access token by its jti until it expires (idempotent). */
export async function denyAccessToken(
  db: Executor,
  entry: { jti: string; userId: string; expiresAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto("revoked_access_tokens")
    .values({ jti: entry.jti, user_id: entry.userId, expires_at: entry.expiresAt, created_at: entry.now })
    .onConflict((oc) => oc.column("jti").doNothing())
    .execute();
}
