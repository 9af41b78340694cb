import { sql } from "kysely";
import * as signupBindings from "../../src/db/migrations/2026_11_29_0006_signup_bindings.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

Deno.test("migration 0005 keeps an unverified account's sign-up, its name and its live code; down restores the name", async () => {
  const database = await createTestDatabase();
  const db = database.db;
  try {
    // The state before the migration, with rows written by the code of that time
    await signupBindings.down(db);
    const now = new Date("2026-11-28T12:00:00Z");
    const users = await sql<{ id: string; email: string }>`
      insert into users (email, email_normalized, name, password_hash, email_verified, created_at, updated_at)
      values ('pending@example.com', 'pending@example.com', 'Pat', 'hash-pending', false, ${now}, ${now}),
             ('done@example.com', 'done@example.com', 'Dana', 'hash-done', true, ${now}, ${now})
      returning id, email`.execute(db);
    const [pending, done] = users.rows;
    await sql`
      insert into email_otps (user_id, code_hmac, expires_at, created_at)
      values (${pending.id}, 'live', ${new Date(now.getTime() + 900_000)}, ${now}),
             (${done.id}, 'used', ${now}, ${now})`.execute(db);

    await signupBindings.up(db);
    const signups = await db.selectFrom("pending_signups").selectAll().execute();
    assertEquals(
      signups.map((s) => [s.user_id, s.password_hash, s.name, s.created_at.toISOString()]),
      [[pending.id, "hash-pending", "Pat", now.toISOString()]],
    );
    const codes = await db.selectFrom("email_otps").select(["user_id", "signup_id", "code_hmac"]).execute();
    assertEquals(codes, [{ user_id: pending.id, signup_id: signups[0].id, code_hmac: "live" }], "dead codes go");
    const names = await db.selectFrom("users").select(["email", "name"]).orderBy("email").execute();
    assertEquals(names, [{ email: "done@example.com", name: "Dana" }, { email: "pending@example.com", name: null }]);

    await signupBindings.down(db);
    const restored = await sql<{ name: string | null }>`select name from users where id = ${pending.id}`.execute(db);
    assertEquals(restored.rows[0].name, "Pat");
    await signupBindings.up(db);
  } finally {
    await database.close();
  }
});
