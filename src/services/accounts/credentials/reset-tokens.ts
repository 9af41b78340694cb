import type { Transaction } from "kysely";
import type { Config } from "../../../config.ts";
import type { DB } from "../../../db/schema.ts";
import { passwordResetLink, passwordResetMail } from "../../../mail/templates.ts";
import { issueResetToken } from "../../../repositories/password-reset-tokens.ts";
import type { NewSecurityEvent } from "../../../repositories/security-events.ts";
import { base64url } from "../../../encoding.ts";
import { hmacHex, sha256Hex } from "../../secrets.ts";
import { codeKeys } from "../signup/code-keys.ts";

const RESET_TOKEN_BYTES = 32;
export const RESET_TOKEN_TTL_MS = 15 * 60 * 1000;
const RESET_KEY_LABEL = "password-reset-token v1";

/** How a stored reset token may look: an HMAC under the key of `keyId`, or (keyId null) a SHA-256 from before key ids. */
export interface ResetTokenDigest {
  keyId: string | null;
  digest: string;
}

/** A fresh reset token and its HMAC under the current code key: all the database keeps of it. */
export async function newResetToken(config: Config): Promise<{ token: string; keyId: string; tokenHash: string }> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(RESET_TOKEN_BYTES)));
  const { current } = codeKeys(config, RESET_KEY_LABEL);
  return { token, keyId: current.id, tokenHash: await hmacHex(current.key, token) };
}

/** Every digest a live row of this token could hold: one per configured key, plus the SHA-256 of older rows. */
export async function resetTokenDigests(config: Config, token: string): Promise<ResetTokenDigest[]> {
  const keys = codeKeys(config, RESET_KEY_LABEL);
  const keyed = await Promise.all(
    keys.all.map(async ({ id, key }) => ({ keyId: id, digest: await hmacHex(key, token) })),
  );
  return [...keyed, { keyId: null, digest: sha256Hex(token) }];
}

/**
 * The write of a recovery event (a revert, a "this wasn't me") that mails a fresh reset link to
 * `to`: the event, the token (replacing every earlier reset token of the user) and the mail in one
 * statement.
 */
export function mailedReset(
  config: Config,
  reset: { token: string; keyId: string; tokenHash: string },
  userId: string,
  to: { address: string; name: string | null },
  now: Date,
): (trx: Transaction<DB>, event: NewSecurityEvent) => Promise<void> {
  const link = passwordResetLink(config.accountPagesUrl, reset.token);
  const mail = passwordResetMail(to.address, to.name, link, reset.token);
  const issued = {
    userId,
    tokenHash: reset.tokenHash,
    hmacKeyId: reset.keyId,
    expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
    now,
  };
  return (trx, event) => issueResetToken(trx, issued, [mail], event);
}
