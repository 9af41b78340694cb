import type { TestApp } from "../helpers/app.ts";
import { insertUserIfAbsent } from "../../src/repositories/users.ts";
import type { UserRow } from "../../src/db/schema.ts";
import type { Kysely } from "kysely";
import type { DB } from "../../src/db/schema.ts";
import { postJson } from "../helpers/app.ts";
import type { TokenPair } from "../../src/services/identity.ts";

/** Env for apps that send many requests: the general tier must not get in the way. */
export const MANY_REQUESTS_ENV = { RATE_LIMIT_GENERAL_PER_MINUTE: "100000", RATE_LIMIT_AUTH_PER_MINUTE: "100000" };

/** A user with a unique email (password_hash is never checked by these tests). */
export async function createUser(db: Kysely<DB>, label = "user"): Promise<UserRow> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const user = await insertUserIfAbsent(db, {
    email,
    email_normalized: email,
    name: label,
    password_hash: "not-a-real-hash",
    created_at: new Date(),
    updated_at: new Date(),
  });
  if (!user) throw new Error("user already exists");
  return user;
}

/** Signs the user in on a new device: a new session and its first pair. */
export function signIn(testApp: TestApp, user: UserRow, userAgent = "TestDevice/1.0"): Promise<TokenPair> {
  return testApp.deps.sessions.startSession(user, { ip: "198.51.100.1", userAgent, requestId: null });
}

export function bearer(token: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } };
}

export function getMe(testApp: TestApp, accessToken: string): Promise<Response> {
  return testApp.request("/auth/me", bearer(accessToken));
}

/** POST /auth/refresh from a client: its User-Agent and (by default the test app's) socket address. */
export function refresh(
  testApp: TestApp,
  refreshToken: string,
  userAgent = "TestDevice/1.0",
  clientIp?: string,
): Promise<Response> {
  return testApp.request(
    "/auth/refresh",
    postJson({ refresh_token: refreshToken }, { "User-Agent": userAgent }),
    clientIp,
  );
}

export function post(testApp: TestApp, path: string, accessToken: string): Promise<Response> {
  return testApp.request(path, bearer(accessToken, { method: "POST" }));
}

/** Reads the status and drains the body (Deno's sanitizers want every body consumed). */
export async function statusOf(response: Response | Promise<Response>): Promise<number> {
  const settled = await response;
  await settled.body?.cancel();
  return settled.status;
}
