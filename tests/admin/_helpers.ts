import type { AdminScope } from "../../src/services/admin/scopes.ts";
import { type TestApp } from "../helpers/app.ts";

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
