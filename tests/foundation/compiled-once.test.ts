import { sql } from "kysely";
import { assertEquals, assertRejects, assertStringIncludes } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { compiledOnce } from "../../src/db/compiled-once.ts";

const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());

async function insertUser(email: string, verified: boolean): Promise<string> {
  const row = await database.db.insertInto("users")
    .values({
      email,
      email_normalized: email,
      password_hash: "x",
      email_verified: verified,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

Deno.test("compiledOnce builds the query once and runs it with each call's values", async () => {
  const first = await insertUser("once-a@example.test", true);
  const second = await insertUser("once-b@example.test", false);
  let builds = 0;
  const emailOf = compiledOnce((db, id: string) => {
    builds++;
    return db.selectFrom("users").select("email").where("id", "=", id);
  });
  assertEquals((await emailOf(database.db, first)).rows, [{ email: "once-a@example.test" }]);
  assertEquals((await emailOf(database.db, second)).rows, [{ email: "once-b@example.test" }]);
  assertEquals(await database.db.transaction().execute(async (trx) => (await emailOf(trx, first)).rows), [
    { email: "once-a@example.test" },
  ]);
  assertEquals(builds, 1);
});

Deno.test("compiledOnce keeps the query's own constants and repeats a value used twice", async () => {
  const id = await insertUser("once-c@example.test", true);
  await insertUser("once-d@example.test", false);
  const verifiedWithEmail = compiledOnce((db, email: string) =>
    db.selectFrom("users").select("id")
      .where("email_verified", "=", true)
      .where((eb) => eb.or([eb("email", "=", email), eb("email_normalized", "=", email)]))
  );
  assertEquals((await verifiedWithEmail(database.db, "once-c@example.test")).rows, [{ id }]);
  assertEquals(
    (await verifiedWithEmail(database.db, "once-d@example.test")).rows,
    [],
    "the constant true still filters",
  );
});

Deno.test("compiledOnce refuses a build that does not bind a value as a parameter", async () => {
  const ignoresItsValue = compiledOnce((db, _id: string) => db.selectFrom("users").select(sql<number>`1`.as("n")));
  const error = await assertRejects(() => ignoresItsValue(database.db, "anything"), Error);
  assertStringIncludes(error.message, "did not become a parameter");
});
