import { recordSecurityEvent } from "../../repositories/security-events.ts";
import { findUserByEmail } from "../../repositories/users.ts";
import type { AccountDeps } from "./account-deps.ts";
import { normalizeEmail } from "./email-address.ts";
import type { RequestMeta } from "../request-meta.ts";
import { AppError } from "../../errors.ts";
import type { TokenPair } from "../sessions/token-pair.ts";

/** One error for an unknown address and a wrong password: the body must not tell them apart. */
export function invalidCredentialsError(): AppError {
  return new AppError("invalid_credentials", "The email or password is incorrect");
}

/**
 * Checks the password and starts a session. An unknown address still costs one bcrypt
 * verification (against a dummy hash), so it answers as slowly as a wrong password. Only
 * the right password on an unverified account learns that the address needs verifying.
 */
export async function signin(
  deps: AccountDeps,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<TokenPair> {
  const db = deps.db;
  const user = await findUserByEmail(db, normalizeEmail(input.email));
  const matches = await deps.passwords.verify(input.password, user?.password_hash);
  if (!user || !matches) {
    await recordSecurityEvent(db, { userId: user?.id ?? null, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw invalidCredentialsError();
  }
  if (!user.email_verified) {
    await recordSecurityEvent(db, { userId: user.id, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw new AppError("email_not_verified", "Verify your email address with the code we sent, then sign in");
  }
  const tokens = await deps.sessions.startSession(user, meta);
  await recordSecurityEvent(db, { userId: user.id, type: "signin_succeeded", ...meta, at: deps.clock.now() });
  return tokens;
}
