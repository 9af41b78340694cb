import type { UserRow } from "../../../db/schema.ts";
import { describeError } from "../../../logger.ts";
import { replacePasswordHash } from "../../../repositories/users.ts";
import type { AccountDeps } from "../account-deps.ts";

/**
 * Checks `password` against the account's hash, and when the hash was made from the password as
 * typed (before passwords were normalised) stores a hash of its normalised form, so that every
 * spelling of it works from then on. A failed rehash is logged and leaves the old hash, which
 * still works: the request it rides on never fails for it.
 */
export async function verifyAndUpgrade(
  deps: AccountDeps,
  password: string,
  user: Pick<UserRow, "id" | "password_hash"> | undefined,
): Promise<boolean> {
  const { matches, legacy } = await deps.passwords.check(password, user?.password_hash);
  if (matches && legacy && user) {
    try {
      const passwordHash = await deps.passwords.hash(password);
      await replacePasswordHash(deps.db, user.id, user.password_hash, passwordHash, deps.clock.now());
    } catch (error) {
      deps.logger.warn("password rehash failed", { user_id: user.id, error: describeError(error) });
    }
  }
  return matches;
}
