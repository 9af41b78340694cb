import type { Kysely } from "kysely";
import type { DB, UserRow } from "../../src/db/schema.ts";
import { insertUserIfAbsent } from "../../src/repositories/users.ts";
import type { AdminScope } from "../../src/services/admin/scopes.ts";
import { postJson, type TestApp } from "../helpers/app.ts";

/** The password of every user these tests sign in. */
export const PASSWORD = "correct horse battery";

/** Limits no admin test reaches unless it means to. */
export const ADMIN_TEST_ENV = {
  RATE_LIMIT_ADMIN_PER_MINUTE: "100000",
  RATE_LIMIT_AUTH_PER_MINUTE: "100000",
  RATE_LIMIT_GENERAL_PER_MINUTE: "100000",
};

/** A new admin key with these scopes, through the service the CLI uses. */
export async function adminKey(
  app: TestApp,
  scopes: AdminScope[],
  options: { name?: string; expiresDays?: number } = {},
): Promise<string> {
  const name = options.name ?? `test-${crypto.randomUUID().slice(0, 8)}`;
  const { key } = await app.deps.adminKeys.create({ name, scopes, expiresDays: options.expiresDays });
  return key;
}

/** A request with `Authorization: Bearer <key>`. */
export function withKey(key: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...init.headers, Authorization: `Bearer ${key}` } };
}

/** A verified user with PASSWORD as its password (hashed at the test's bcrypt cost). */
export async function verifiedUser(app: TestApp, label = "user"): Promise<UserRow> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const user = await insertUserIfAbsent(app.deps.database.db as Kysely<DB>, {
    email,
    email_normalized: email,
    name: label,
    password_hash: await app.deps.passwords.hash(PASSWORD),
    email_verified: true,
    created_at: new Date(),
    updated_at: new Date(),
  });
  if (!user) throw new Error("user already exists");
  return user;
}

export function signInRequest(app: TestApp, email: string, password = PASSWORD): Promise<Response> {
  return app.request("/auth/signin", postJson({ email, password }));
}

/** Reads a JSON body (problem or not) with its status. */
// deno-lint-ignore no-explicit-any -- bodies are read field by field
export async function jsonOf(response: Response | Promise<Response>): Promise<{ status: number; body: any }> {
  const settled = await response;
  return { status: settled.status, body: await settled.json() };
}
