import { invalidTokenError } from "../../errors.ts";
import { updateUserName } from "../../repositories/users.ts";
import { withEvents } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { type CurrentUser, currentUserView } from "../current-user.ts";
import type { AccountDeps } from "./account-deps.ts";

/** Sets the signed-in user's display name (validated like a sign-up's) and returns the account. */
export async function updateProfile(
  deps: AccountDeps,
  userId: string,
  input: { name: string },
  meta: RequestMeta,
): Promise<CurrentUser> {
  const now = deps.clock.now();
  const profile = await withEvents(deps, async (trx, record) => {
    const profile = await updateUserName(trx, userId, input.name, now);
    if (profile) await record({ userId, type: "profile_updated", ...meta, at: now });
    return profile;
  });
  if (!profile) throw invalidTokenError();
  return currentUserView(profile);
}
