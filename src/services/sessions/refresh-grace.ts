import type { Transaction } from "kysely";
import type { DB, RefreshTokenRow } from "../../db/schema.ts";
import {
  findKeptSuccessor,
  findRefreshToken,
  type KeptSuccessor,
  markSharedByGrace,
} from "../../repositories/refresh-tokens.ts";
import type { RecordEvent } from "../audit-trail.ts";
import type { RequestMeta, TokenClaims, TokenPair } from "../identity.ts";
import { auditEvent } from "./lifecycle.ts";
import { openSuccessor } from "./successor-seal.ts";

/** A refresh token presented after it was exchanged, and by whom. */
export interface Replay {
  claims: TokenClaims;
  refreshToken: string;
  tokenHash: string;
  meta: RequestMeta;
  /** refreshClient(meta) */
  client: string;
  now: Date;
}

/** The pair a previous version kept on the token's row (see RefreshTokensTable.successor_sealed), for no client in particular. */
function keptOnRow(row: RefreshTokenRow): KeptSuccessor | undefined {
  return row.successor_sealed ? { sealed: row.successor_sealed, client: null } : undefined;
}

/**
 * The pair this token was exchanged for, handed out again (the caller holds the session's lock
 * and has checked that the session is live), or undefined: the replay is reuse. A grace answer
 * needs all of:
 * - the exchange was less than the grace window ago;
 * - the same client exchanged it (refresh-client.ts); pairs kept by a previous version name no
 *   client and are handed out as before, for the few seconds a deploy rolls;
 * - the token was not itself handed out by a grace answer: the pair a grace answer gives is held
 *   twice, and whichever holder comes second after the other exchanged it is reuse, so a copy
 *   cannot walk forward from one grace answer to the owner's next pair.
 * Each answer marks the token it hands out as shared and records `refresh_token_grace_replay`.
 */
export async function pairWithinGrace(
  trx: Transaction<DB>,
  record: RecordEvent,
  replay: Replay,
  graceMs: number,
): Promise<TokenPair | undefined> {
  const { claims, now } = replay;
  const row = await findRefreshToken(trx, claims.jti);
  if (!row?.consumed_at || row.token_hash !== replay.tokenHash) return undefined;
  if (row.session_id !== claims.sessionId || row.user_id !== claims.userId) return undefined;
  if (now.getTime() - row.consumed_at.getTime() >= graceMs) return undefined;
  if (row.shared_by_grace) return undefined;
  const kept = await findKeptSuccessor(trx, claims.jti) ?? keptOnRow(row);
  if (!kept || (kept.client !== null && kept.client !== replay.client)) return undefined;
  const pair = openSuccessor(replay.refreshToken, kept.sealed);
  if (!pair) return undefined;
  if (row.replaced_by) await markSharedByGrace(trx, row.replaced_by);
  await record(auditEvent(claims.userId, "refresh_token_grace_replay", replay.meta, now));
  return pair;
}
