import { invalidTokenError } from "../../errors.ts";
import { consumeSessionRefreshTokens } from "../../repositories/refresh-tokens.ts";
import { lockUserSessionForRefresh, updateSessionAssurance } from "../../repositories/sessions.ts";
import type { Assurance, AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import type { SessionContext } from "./context.ts";
import { storeSessionRefreshToken } from "./renewal.ts";
import { signTokenPair } from "./token-pairs.ts";

/**
 * A new pair for the caller's session after the user proved who they are again: `auth_time`
 * now, `amr`/`aal` as proven. The session keeps its id and its other state; its earlier refresh
 * tokens are spent, as in a refresh. 401 `invalid_token` when the session ended meanwhile.
 */
export async function reauthenticateSession(
  ctx: SessionContext,
  auth: AuthContext,
  proof: Pick<Assurance, "amr" | "aal">,
  meta: RequestMeta,
): Promise<TokenPair> {
  const now = ctx.clock.now();
  const { userId, sessionId, tokenVersion } = auth;
  const assurance = { ...proof, authTime: Math.floor(now.getTime() / 1000) };
  const signed = await signTokenPair(ctx, { userId, sessionId, tokenVersion, now, assurance });
  await ctx.db.transaction().execute(async (trx) => {
    // The session lock first, as in refresh and logout
    const session = await lockUserSessionForRefresh(trx, userId, sessionId);
    if (!session || session.revoked_at || session.expires_at <= now || session.token_version !== tokenVersion) {
      throw invalidTokenError();
    }
    await consumeSessionRefreshTokens(trx, [sessionId], now);
    await storeSessionRefreshToken(ctx, trx, signed.refreshToken, session.created_at, meta);
    await updateSessionAssurance(trx, sessionId, { amr: proof.amr, aal: proof.aal, authTime: now });
  });
  return signed.pair;
}
