/**
 * The passkeys an account holds: listed with their names, dates and backup state, renamed,
 * removed (a sensitive operation: the proof first, `passkey_removed` after).
 *
 * Removing the last passkey never locks anyone out: the second factor that can be "on" is the
 * authenticator app, whose recovery codes stay; a passkey is one more way to satisfy it, or a
 * way in beside the password. So the last one goes like any other, with the proof.
 * @module
 */
import { AppError } from "../../errors.ts";
import { deletePasskey, listPasskeys, renamePasskey } from "../../repositories/passkeys.ts";
import { isUuid } from "../../encoding.ts";
import { recordEvent } from "../audit-trail.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
import { liveAccount } from "../accounts/settings/current-password.ts";
import { type ProofInput, requireProof } from "../mfa/proof.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";
import { type PasskeyView, passkeyView } from "./views.ts";

function notFound(): AppError {
  return new AppError("not_found", "No passkey with this id on this account");
}

export async function listOwnPasskeys(deps: PasskeyDeps, auth: AuthContext): Promise<PasskeyView[]> {
  return (await listPasskeys(deps.db, auth.userId)).map(passkeyView);
}

export async function renameOwnPasskey(
  deps: PasskeyDeps,
  auth: AuthContext,
  id: string,
  name: string,
): Promise<PasskeyView> {
  if (!isUuid(id) || !await renamePasskey(deps.db, auth.userId, id, name.trim())) throw notFound();
  const row = (await listPasskeys(deps.db, auth.userId)).find((passkey) => passkey.id === id);
  if (!row) throw notFound();
  return passkeyView(row);
}

export async function removeOwnPasskey(
  deps: PasskeyDeps,
  auth: AuthContext,
  id: string,
  proof: ProofInput,
  meta: RequestMeta,
): Promise<void> {
  const user = await liveAccount(deps, auth.userId);
  await requireProof(deps, user, auth, proof, meta);
  if (!isUuid(id) || await deletePasskey(deps.db, user.id, id) === null) throw notFound();
  await recordEvent(deps, { userId: user.id, type: "passkey_removed", ...meta, at: deps.clock.now() });
}
