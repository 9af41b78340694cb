import type { AuthContext } from "../http/app-env.ts";
import { invalidTokenError } from "../http/middleware/authenticate.ts";
import { findUserProfile } from "../repositories/users.ts";
import type { SessionContext } from "./session-context.ts";

/** The signed-in user as GET /auth/me returns it. */
export interface CurrentUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  created_at: string;
}

/** Reads the bearer's user row once; a user deleted since the token was issued is a 401. */
export async function currentUser(ctx: SessionContext, auth: AuthContext): Promise<CurrentUser> {
  const user = await findUserProfile(ctx.db, auth.userId);
  if (!user) throw invalidTokenError();
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    email_verified: user.email_verified,
    created_at: user.created_at.toISOString(),
  };
}
