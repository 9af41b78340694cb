/**
 * One password, however its characters are spelled: composed (NFC), decomposed (NFD) or
 * fullwidth, it is hashed, compared and measured in its NFKC form. Accounts whose hash was
 * made from the password as typed keep signing in, and are rehashed on the way.
 */
import { hash as bcryptHash, verify as bcryptVerify } from "@node-rs/bcrypt";
import { createPasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import { postJson } from "../helpers/http.ts";
import { NOOP_OBSERVER, type PasswordOperation } from "../../src/observer.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "./_helpers.ts";
import { signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { otpOf } from "../helpers/smtp.ts";

const { database, smtp } = await accountsBackends();

/** The same words, composed and decomposed: equal to a reader, different bytes to bcrypt. */
const COMPOSED = "Crème brûlée à la fenêtre".normalize("NFC");
const DECOMPOSED = COMPOSED.normalize("NFD");
/** Letters that decompose into a base letter and a combining mark (2 bytes in NFC, 3 in NFD) */
const DECOMPOSABLE = "éèêëàâäôöûüçñå";

function randomOf(alphabet: string, length: number): string {
  const letters = [...alphabet];
  return Array.from(crypto.getRandomValues(new Uint32Array(length)), (n) => letters[n % letters.length]).join("");
}

async function storedHash(email: string): Promise<string> {
  const row = await database.db.selectFrom("users").select("password_hash").where("email", "=", email)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

Deno.test("POST /auth/signin: the NFD spelling of a password signs in to an account set with its NFC spelling", async () => {
  assert(COMPOSED !== DECOMPOSED, "the fixture spells the password two ways");
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("nfc");
    assertEquals((await postJson(app, "/auth/signup", { email, password: COMPOSED })).status, 201);
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(email))[0]);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp })).status, 200);
    for (const password of [DECOMPOSED, COMPOSED]) {
      const response = await postJson(app, "/auth/signin", { email, password });
      assertEquals(response.status, 200, `${password.length} UTF-16 units`);
      await response.body?.cancel();
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin: a hash made from a decomposed password as typed still signs in, and is rehashed to the NFKC form", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "legacy" });
    // What the service stored before it normalised: bcrypt over the bytes as typed
    const legacy = await bcryptHash(DECOMPOSED, 4);
    await database.db.updateTable("users").set({ password_hash: legacy }).where("email", "=", email).execute();

    const first = await postJson(app, "/auth/signin", { email, password: DECOMPOSED });
    assertEquals(first.status, 200);
    await first.body?.cancel();
    const upgraded = await storedHash(email);
    assert(upgraded !== legacy, "the legacy hash was replaced");
    assert(await bcryptVerify(COMPOSED, upgraded), "the new hash is of the normalised form");

    // Every spelling works from now on
    for (const password of [COMPOSED, DECOMPOSED]) {
      const response = await postJson(app, "/auth/signin", { email, password });
      assertEquals(response.status, 200);
      await response.body?.cancel();
    }
    const wrong = await postJson(app, "/auth/signin", { email, password: "Creme brulee a la fenetre" });
    assertEquals(wrong.status, 401);
    await wrong.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signup: length and the 72-byte limit count the NFKC form, not the bytes as typed", async () => {
  const app = await accountsApp(database, smtp);
  try {
    // 36 letters: 108 bytes decomposed, 72 composed
    const decomposed = randomOf(DECOMPOSABLE, 36).normalize("NFD");
    assertEquals(new TextEncoder().encode(decomposed).length, 108);
    const accepted = await postJson(app, "/auth/signup", { email: uniqueEmail("nfd72"), password: decomposed });
    assertEquals(accepted.status, 201, await accepted.clone().text());
    await accepted.body?.cancel();
    // 7 characters, 14 UTF-16 units as typed: too short
    const short = randomOf(DECOMPOSABLE, 7).normalize("NFD");
    assertEquals(short.length, 14);
    const refused = await postJson(app, "/auth/signup", { email: uniqueEmail("nfd7"), password: short });
    assertEquals(refused.status, 422);
    const body = await refused.json();
    assertEquals(body.errors[0].path, "password");
    assertEquals(body.errors[0].message, "Password must be at least 8 characters");
  } finally {
    await app.close();
  }
});

Deno.test("a password that changes under NFKC costs two bcrypt verifications, with an account or without", async () => {
  const verifications: PasswordOperation[] = [];
  const hasher = createPasswordHasher({
    cost: 4,
    observer: { ...NOOP_OBSERVER, passwordHashed: (operation) => void verifications.push(operation) },
  });
  const stored = await hasher.hash("an unrelated passphrase");
  verifications.length = 0;
  assertEquals(await hasher.check(DECOMPOSED, stored), { matches: false, legacy: false });
  const withAccount = verifications.length;
  verifications.length = 0;
  assertEquals(await hasher.check(DECOMPOSED, undefined), { matches: false, legacy: false });
  assertEquals([withAccount, verifications.length], [2, 2]);
  // A password NFKC leaves alone costs one
  verifications.length = 0;
  await hasher.check(COMPOSED, stored);
  assertEquals(verifications.length, 1);
  // A legacy hash matches through the typed form, and says so
  assertEquals(await hasher.check(DECOMPOSED, await bcryptHash(DECOMPOSED, 4)), { matches: true, legacy: true });
  assertEquals(await hasher.check(DECOMPOSED, await hasher.hash(COMPOSED)), { matches: true, legacy: false });
});
