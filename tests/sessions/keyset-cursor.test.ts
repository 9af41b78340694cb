/**
 * Paging cursors of GET /auth/security-events: only a cursor the service issued to this
 * user is accepted; everything else is a 422 `validation_failed`, never a 5xx.
 */
import fc from "npm:fast-check@4.11.0";
import { AppError } from "../../src/errors.ts";
import { base64url } from "../../src/encoding.ts";
import { decodeCursor, encodeCursor } from "../../src/services/keyset-cursor.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, testConfig } from "../helpers/app.ts";
import { bearer } from "../helpers/http.ts";
import { MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";

const config = testConfig();
const ALICE = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const BOB = "16fd2706-8baf-433b-82eb-8c7fada847da";
const text = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** Cursors an attacker would try: well-formed positions with dates PostgreSQL cannot store, and no valid MAC. */
const FORGED = [
  ["0000-01-01T00:00:00.000Z", ALICE],
  ["-000001-01-01T00:00:00.000Z", ALICE],
  ["+010000-01-01T00:00:00.000Z", ALICE],
  ["+100000-01-01T00:00:00.000Z", ALICE],
  ["2026-11-28T09:00:00.000Z", ALICE],
  ["2026-11-28T09:00:00.000Z", ALICE, "0".repeat(64)],
].map(text);

async function assertInvalid(userId: string, cursor: string) {
  const error = await assertRejects(() => decodeCursor(config, userId, cursor), AppError);
  assertEquals(error.code, "validation_failed");
  assertEquals(error.errors, [{ path: "cursor", message: "Invalid cursor" }]);
}

Deno.test("event cursor: what encodeCursor issued reads back to the same position for the same user", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.date({ min: new Date("1970-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }),
      fc.uuid(),
      async (createdAt, id) => {
        const cursor = await encodeCursor(config, ALICE, { createdAt, id });
        assert(/^[A-Za-z0-9_-]+$/.test(cursor), "base64url, safe in a query string");
        assertEquals(await decodeCursor(config, ALICE, cursor), { createdAt, id });
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("event cursor: one issued to another user, or under another secret, is refused", async () => {
  const cursor = await encodeCursor(config, ALICE, { createdAt: new Date("2026-11-28T09:00:00Z"), id: BOB });
  await assertInvalid(BOB, cursor);
  await assertInvalid(ALICE, cursor.slice(0, -2));
  const other = testConfig({ JWT_SECRET: "another-secret-that-is-long-enough-for-production-use" });
  await assertRejects(() => decodeCursor(other, ALICE, cursor), AppError);
});

Deno.test("event cursor: forged positions (years 0000, −1, 10000, 100000) and arbitrary text are a 422", async () => {
  for (const cursor of FORGED) await assertInvalid(ALICE, cursor);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json().map((json) => base64url(new TextEncoder().encode(json))),
        fc.tuple(fc.string(), fc.string(), fc.string()).map(text),
      ),
      (cursor) => assertInvalid(ALICE, cursor),
    ),
    { numRuns: 300 },
  );
});

Deno.test("GET /auth/security-events: no cursor the service did not issue gets anything but a 422", async () => {
  const app = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    const pair = await newSession(app, await insertedUser(app.database.db, "cursor-fuzz"));
    const statusFor = async (cursor: string) => {
      const response = await app.request(
        `/auth/security-events?cursor=${encodeURIComponent(cursor)}`,
        bearer(pair.access_token),
      );
      await response.body?.cancel();
      return response.status;
    };
    for (const cursor of FORGED) assertEquals(await statusFor(cursor), 422, cursor);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ minLength: 1 }), fc.json().map((json) => text(JSON.parse(json)))),
        async (cursor) => {
          assertEquals(await statusFor(cursor), 422);
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    await app.close();
  }
});
