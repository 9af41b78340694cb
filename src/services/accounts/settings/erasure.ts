import { newWebhookId } from "../../webhooks/security-event-hooks.ts";
import type { Kysely } from "kysely";
import type { Config } from "../../../config.ts";
import type { DB } from "../../../db/schema.ts";
import type { RenderedMail } from "../../../mail/templates.ts";
import { accountAddresses, eraseUser, lockDueAccount } from "../../../repositories/erasure.ts";
import { lockUserById } from "../../../repositories/users.ts";
import { hmacHex, purposeKey } from "../../secrets.ts";
import { queueMail } from "../signup/verification-mail.ts";

const PSEUDONYM_KEY_LABEL = "security-event-pseudonym v1";

/** What erasing needs: the database and the secret the pseudonyms are keyed with. */
export interface ErasureDeps {
  db: Kysely<DB>;
  config: Config;
}

/**
 * The pseudonym an erased account's security events keep instead of its id: an HMAC of the id
 * under a key derived from HMAC_SECRET. Events of one account stay linkable to each other; only
 * someone holding both the secret and the old id can tie them back to it.
 */
export async function pseudonymOf(config: Config, userId: string): Promise<string> {
  return await hmacHex(purposeKey(config, config.codeSecrets.current, PSEUDONYM_KEY_LABEL), userId);
}

/** Erases one account now, whatever its grace period; queues `notice` afterwards. False when it was gone already. */
export async function eraseAccount(
  deps: ErasureDeps,
  userId: string,
  now: Date,
  notice?: RenderedMail,
): Promise<boolean> {
  const pseudonym = await pseudonymOf(deps.config, userId);
  return await deps.db.transaction().execute(async (trx) => {
    if (!await lockUserById(trx, userId)) return false;
    await eraseUser(trx, userId, pseudonym, await accountAddresses(trx, userId), { eventId: newWebhookId(), at: now });
    if (notice) await queueMail(trx, notice, now);
    return true;
  });
}

/**
 * Erases up to `limit` accounts whose grace period ended by `now`, one transaction each;
 * accounts another instance is erasing are skipped. Returns how many went.
 */
export async function eraseDueAccounts(deps: ErasureDeps, now: Date, limit: number): Promise<number> {
  let erased = 0;
  while (erased < limit) {
    const done = await deps.db.transaction().execute(async (trx) => {
      const due = await lockDueAccount(trx, now);
      if (!due) return false;
      const addresses = await accountAddresses(trx, due.id);
      const webhook = { eventId: newWebhookId(), at: now };
      await eraseUser(trx, due.id, await pseudonymOf(deps.config, due.id), addresses, webhook);
      return true;
    });
    if (!done) break;
    erased++;
  }
  return erased;
}
