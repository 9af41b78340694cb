import type { UserProfile } from "../repositories/users.ts";

/** The signed-in user as GET /auth/me, PATCH /auth/me and POST /auth/confirm-email-change answer it. */
export interface CurrentUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  created_at: string;
}

export function currentUserView(profile: UserProfile): CurrentUser {
  return {
    id: profile.id,
    email: profile.email,
    name: profile.name,
    email_verified: profile.email_verified,
    created_at: profile.created_at.toISOString(),
  };
}
