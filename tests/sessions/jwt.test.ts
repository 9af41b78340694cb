import { SignJWT } from "jose";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { getMe, MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { TEST_SECRETS } from "../helpers/env.ts";
import { keyFingerprint } from "../../src/services/secrets.ts";
import { claimsOf, headerOf } from "../helpers/claims.ts";

const ISSUER = "http://localhost:8000";
const AUDIENCE = "jessy-api";
const encoder = new TextEncoder();
const ACCESS_KID = keyFingerprint(TEST_SECRETS.JWT_SECRET);

function base64url(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function forge(
  claims: Record<string, unknown>,
  options: { alg?: string; typ?: string; secret?: string; kid?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: options.typ ?? "at+jwt", kid: options.kid })
    .sign(encoder.encode(options.secret ?? TEST_SECRETS.JWT_SECRET));
}

async function assertInvalidToken(response: Response, label: string) {
  assertEquals(response.status, 401, label);
  assertEquals(response.headers.get("Content-Type"), "application/problem+json", label);
  assertEquals(response.headers.get("WWW-Authenticate"), 'Bearer error="invalid_token"', label);
  const body = await response.json();
  assertEquals(body.code, "invalid_token", label);
  assert(typeof body.request_id === "string", `${label}: request_id`);
}

Deno.test("access tokens", async (t) => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    await t.step("a freshly issued access token opens /auth/me and carries the required claims", async () => {
      const { deps } = testApp;
      const user = await insertedUser(deps.database.db, "claims");
      const pair = await newSession(testApp, user);
      assertEquals(headerOf(pair.access_token), { alg: "HS256", kid: ACCESS_KID, typ: "at+jwt" });
      const claims = claimsOf(pair.access_token);
      for (const claim of ["sub", "sid", "jti", "iat", "exp", "iss", "aud", "ver"]) assert(claim in claims, claim);
      assertEquals([claims.sub, claims.iss, claims.aud, claims.ver], [user.id, ISSUER, AUDIENCE, 0]);
      assertEquals((claims.exp as number) - (claims.iat as number), 900);
      const response = await getMe(testApp, pair.access_token);
      assertEquals(response.status, 200);
      assertEquals(await response.json(), {
        id: user.id,
        email: user.email,
        name: user.name,
        email_verified: false,
        created_at: user.created_at.toISOString(),
      });
    });

    await t.step(
      "forged access tokens are refused with 401 invalid_token, problem+json and the Bearer challenge",
      async () => {
        const { deps } = testApp;
        const user = await insertedUser(deps.database.db, "forged");
        const pair = await newSession(testApp, user);
        const claims = claimsOf(pair.access_token);
        const { exp: _exp, ...withoutExp } = claims;
        const [header, payload, signature] = pair.access_token.split(".");
        const tampered = { ...claims };
        tampered.sub = crypto.randomUUID();

        const cases: Array<[string, string]> = [
          ["alg none", `${base64url({ alg: "none", typ: "at+jwt" })}.${payload}.`],
          ["HS384 with the access secret", await forge(claims, { alg: "HS384" })],
          ["missing exp", await forge(withoutExp)],
          ["wrong issuer", await forge({ ...claims, iss: "https://evil.example" })],
          ["wrong audience", await forge({ ...claims, aud: "another-api" })],
          ["wrong typ header", await forge(claims, { typ: "JWT" })],
          ["refresh typ header", await forge(claims, { typ: "rt+jwt" })],
          ["signed with the refresh secret", await forge(claims, { secret: TEST_SECRETS.JWT_REFRESH_SECRET })],
          ["unknown kid", await forge(claims, { kid: "no-such-key" })],
          [
            "the access kid, signed with the refresh secret",
            await forge(claims, { kid: ACCESS_KID, secret: TEST_SECRETS.JWT_REFRESH_SECRET }),
          ],
          [
            "the refresh secret's own kid",
            await forge(claims, {
              kid: keyFingerprint(TEST_SECRETS.JWT_REFRESH_SECRET),
              secret: TEST_SECRETS.JWT_REFRESH_SECRET,
            }),
          ],
          ["HS384 under the access kid", await forge(claims, { alg: "HS384", kid: ACCESS_KID })],
          ["tampered payload", `${header}.${base64url(tampered)}.${signature}`],
          ["expired", await forge({ ...claims, iat: 1_000, exp: 2_000 })],
          ["not-before claim (never issued)", await forge({ ...claims, nbf: claims.iat })],
          ["refresh token as bearer", pair.refresh_token],
          ["not a JWT", "not-a-token"],
        ];
        for (const [label, token] of cases) await assertInvalidToken(await getMe(testApp, token), label);
        // The untouched token still works: each case failed for its own reason
        assertEquals((await getMe(testApp, pair.access_token)).status, 200);
        await (await getMe(testApp, pair.access_token)).body?.cancel();
      },
    );

    await t.step("an access token from before key ids (no kid) still opens /auth/me until it expires", async () => {
      const user = await insertedUser(testApp.deps.database.db, "no-kid");
      const claims = claimsOf((await newSession(testApp, user)).access_token);
      const response = await getMe(testApp, await forge(claims));
      assertEquals(response.status, 200);
      await response.body?.cancel();
    });

    await t.step("a missing or non-Bearer Authorization header is 401 invalid_token", async () => {
      await assertInvalidToken(await testApp.request("/auth/me"), "no header");
      await assertInvalidToken(await testApp.request("/auth/me", { headers: { Authorization: "Basic abc" } }), "basic");
    });

    await t.step("GET /auth/me for a user deleted after sign-in is 401", async () => {
      const { deps } = testApp;
      const user = await insertedUser(deps.database.db, "deleted");
      const pair = await newSession(testApp, user);
      await deps.database.db.deleteFrom("users").where("id", "=", user.id).execute();
      await assertInvalidToken(await getMe(testApp, pair.access_token), "deleted user");
    });
  } finally {
    await testApp.close();
  }
});
