import { sql } from "kysely";
import * as signupBindings from "../../src/db/migrations/2026_11_29_0006_signup_bindings.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

Deno.test("migration 0006 keeps an unverified account's sign-up, its name and its live code; down restores the name", async () => {
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

    // Its steps commit one by one: run again after a failure, they change nothing twice
    await signupBindings.up(db);
    assertEquals((await db.selectFrom("pending_signups").selectAll().execute()).length, 1);
    assertEquals(
      await db.selectFrom("email_otps").select(["user_id", "signup_id", "code_hmac"]).execute(),
      codes,
    );

    await signupBindings.down(db);
    const restored = await sql<{ name: string | null }>`select name from users where id = ${pending.id}`.execute(db);
    assertEquals(restored.rows[0].name, "Pat");
    await signupBindings.up(db);
  } finally {
    await database.close();
  }
});

Deno.test("migration 0006 ends with a validated, cascading foreign key from a code to its sign-up, and a valid index", async () => {
  const database = await createTestDatabase();
  try {
    // Added NOT VALID and validated afterwards: what is left must be the same as a key added valid
    const { rows } = await sql<{ definition: string; validated: boolean; not_null: boolean; index_valid: boolean }>`
      select pg_get_constraintdef(c.oid) as definition, c.convalidated as validated,
             a.attnotnull as not_null, i.indisvalid as index_valid
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attname = 'signup_id'
      join pg_class ic on ic.relname = 'email_otps_signup_id_idx' and ic.relnamespace = c.connamespace
      join pg_index i on i.indexrelid = ic.oid
      where c.conname = 'email_otps_signup_id_fkey' and c.connamespace = current_schema()::regnamespace`
      .execute(database.db);
    assertEquals(rows, [{
      definition: "FOREIGN KEY (signup_id) REFERENCES pending_signups(id) ON DELETE CASCADE",
      validated: true,
      not_null: true,
      index_valid: true,
    }]);
  } finally {
    await database.close();
  }
});
