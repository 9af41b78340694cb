import { ManualClock } from "../../src/clock.ts";
import { createTokenSigner, InvalidTokenError } from "../../src/services/sessions/tokens.ts";
import { createVerifiedTokenMemo } from "../../src/services/sessions/verified-tokens.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { TEST_SECRETS } from "../helpers/env.ts";
import type { TokenClaims } from "../../src/services/identity.ts";

const JWT = {
  accessSecret: TEST_SECRETS.JWT_SECRET,
  refreshSecret: TEST_SECRETS.JWT_REFRESH_SECRET,
  accessTtlSeconds: 900,
  refreshTtlSeconds: 86_400,
  issuer: "http://localhost:8000",
  audience: "jessy-api",
  signingAlg: "HS256",
  refreshReuseGraceSeconds: 10,
} as const;
const START = new Date("2026-11-28T09:00:00Z");
const START_SECONDS = START.getTime() / 1000;

function claims(jti: string, expiresAt = START_SECONDS + 900): TokenClaims {
  return {
    userId: crypto.randomUUID(),
    sessionId: crypto.randomUUID(),
    jti,
    tokenVersion: 0,
    keyId: "kid",
    issuedAt: START_SECONDS,
    expiresAt,
    assurance: { amr: ["pwd"], aal: 1, authTime: START_SECONDS },
  };
}

function toSign(now: Date) {
  return {
    userId: crypto.randomUUID(),
    sessionId: crypto.randomUUID(),
    jti: crypto.randomUUID(),
    tokenVersion: 3,
    now,
  };
}

/** Counts WebCrypto HMAC verifications (jose's only way to check a signature) during `body`. */
async function countingVerifications<T>(body: () => Promise<T>): Promise<{ result: T; verifications: number }> {
  const subtle = crypto.subtle;
  const original = subtle.verify;
  let verifications = 0;
  subtle.verify = function (...args: Parameters<SubtleCrypto["verify"]>) {
    verifications++;
    return original.apply(subtle, args);
  };
  try {
    return { result: await body(), verifications };
  } finally {
    subtle.verify = original;
  }
}

Deno.test("verified-token memo", async (t) => {
  await t.step("returns what it remembered until exp, then forgets it", () => {
    const memo = createVerifiedTokenMemo(10);
    const remembered = claims("a", START_SECONDS + 60);
    memo.remember("token-a", remembered);
    assertEquals(memo.get("token-a", START_SECONDS), remembered);
    assertEquals(memo.get("token-a", START_SECONDS + 59.999), remembered);
    // exp itself is already expired (jose: exp <= now)
    assertEquals(memo.get("token-a", START_SECONDS + 60), undefined);
    assertEquals(memo.size, 0);
    assertEquals(memo.get("token-b", START_SECONDS), undefined);
  });

  await t.step("holds at most its capacity, dropping the oldest token first", () => {
    const memo = createVerifiedTokenMemo(2);
    memo.remember("one", claims("1"));
    memo.remember("two", claims("2"));
    memo.remember("three", claims("3"));
    assertEquals(memo.size, 2);
    assertEquals(memo.get("one", START_SECONDS), undefined);
    assertEquals(memo.get("two", START_SECONDS)?.jti, "2");
    assertEquals(memo.get("three", START_SECONDS)?.jti, "3");
    const none = createVerifiedTokenMemo(0);
    none.remember("one", claims("1"));
    assertEquals([none.size, none.get("one", START_SECONDS)], [0, undefined]);
  });

  await t.step("hands out frozen copies: a caller cannot change what the next one gets", () => {
    const memo = createVerifiedTokenMemo(2);
    const original = claims("x");
    memo.remember("token", original);
    original.userId = "changed after remembering";
    const got = memo.get("token", START_SECONDS)!;
    assert(Object.isFrozen(got));
    assert(got.userId !== "changed after remembering");
  });
});

Deno.test("token signer with remembered access tokens", async (t) => {
  const signer = createTokenSigner(JWT);

  await t.step("an access token verified once is not verified by HMAC again", async () => {
    const { token } = await signer.signAccess(toSign(START));
    const first = await countingVerifications(() => signer.verifyAccess(token, START));
    const second = await countingVerifications(() => signer.verifyAccess(token, START));
    assertEquals([first.verifications, second.verifications], [1, 0]);
    assertEquals(second.result, first.result);
    assertEquals(second.result.tokenVersion, 3);
    second.result.userId = "changed by a caller";
    assertEquals((await signer.verifyAccess(token, START)).userId, first.result.userId);
  });

  await t.step("without a memo every check verifies the signature", async () => {
    const plain = createTokenSigner(JWT, { verifiedAccessTokens: 0 });
    const { token } = await plain.signAccess(toSign(START));
    await plain.verifyAccess(token, START);
    assertEquals((await countingVerifications(() => plain.verifyAccess(token, START))).verifications, 1);
  });

  await t.step("a remembered token is refused once it expires", async () => {
    const { token, expiresAt } = await signer.signAccess(toSign(START));
    await signer.verifyAccess(token, START);
    await signer.verifyAccess(token, new Date((expiresAt - 1) * 1000));
    await assertRejects(() => signer.verifyAccess(token, new Date(expiresAt * 1000)), InvalidTokenError);
  });

  await t.step("a token one character away from a remembered one is verified in full and refused", async () => {
    const { token } = await signer.signAccess(toSign(START));
    await signer.verifyAccess(token, START);
    const [header, payload, signature] = token.split(".");
    const otherSignature = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    const otherPayload = payload.slice(0, 5) + (payload[5] === "A" ? "B" : "A") + payload.slice(6);
    for (const forged of [`${header}.${payload}.${otherSignature}`, `${header}.${otherPayload}.${signature}`]) {
      await assertRejects(() => signer.verifyAccess(forged, START), InvalidTokenError);
    }
  });

  await t.step("an access token remembered as verified is still no refresh token", async () => {
    const { token } = await signer.signAccess(toSign(START));
    await signer.verifyAccess(token, START);
    await assertRejects(() => signer.verifyRefresh(token, START), InvalidTokenError);
  });
});

Deno.test("remembered access tokens through the API: expiry and revocation still apply", async () => {
  const clock = new ManualClock(START);
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  try {
    const user = await insertedUser(testApp.database.db, "memo");
    const pair = await newSession(testApp, user);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 200);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 200);
    clock.advance(899_000);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 200);
    clock.advance(1_000);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401, "expired at exp, memo or not");

    const second = await newSession(testApp, user);
    assertEquals(await statusOf(getMe(testApp, second.access_token)), 200);
    const logout = await testApp.request("/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${second.access_token}` },
    });
    assertEquals(logout.status, 204);
    assertEquals(await statusOf(getMe(testApp, second.access_token)), 401, "revoked although remembered");
  } finally {
    await testApp.close();
  }
});
