import { sql } from "kysely";
import * as secretExpiry from "../../src/db/migrations/2026_12_07_0018_webhook_secret_expiry.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

Deno.test("migration 0018 gives every stored webhook secret an expiry of null, in order, twice over the same; down drops the expired ones", async () => {
  const database = await createTestDatabase();
  const db = database.db;
  try {
    // The state before the migration: sealed secrets as plain strings, newest first
    await secretExpiry.down(db);
    const id = crypto.randomUUID();
    await sql`
      insert into webhook_endpoints (id, url, events, secrets, created_at)
      values (${id}, 'https://hooks.example.com/', '["user.created"]'::jsonb, '["newer", "older"]'::jsonb, now())`
      .execute(db);
    const secrets = async () =>
      (await sql<{ secrets: unknown }>`select secrets from webhook_endpoints where id = ${id}`.execute(db)).rows[0]
        .secrets;

    await secretExpiry.up(db);
    const converted = [{ sealed: "newer", expires_at: null }, { sealed: "older", expires_at: null }];
    assertEquals(await secrets(), converted);
    await secretExpiry.up(db);
    assertEquals(await secrets(), converted, "a second run changes nothing");

    await sql`
      update webhook_endpoints set secrets = jsonb_build_array(
        jsonb_build_object('sealed', 'new', 'expires_at', null),
        jsonb_build_object('sealed', 'overlapping', 'expires_at', now() + interval '1 hour'),
        jsonb_build_object('sealed', 'expired', 'expires_at', now() - interval '1 hour'))
      where id = ${id}`.execute(db);
    await secretExpiry.down(db);
    assertEquals(await secrets(), ["new", "overlapping"]);
    await secretExpiry.up(db);
  } finally {
    await database.close();
  }
});
