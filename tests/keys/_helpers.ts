/**
 * Access tokens signed outside the service with its own key material, as a holder of a
 * leaked key (or an insider) could: the HS256 secret, or a key pair's private half opened
 * from the signing_keys table.
 * @module
 */
import { importJWK, type JWTPayload, SignJWT } from "jose";
import { claimsOf, headerOf } from "../helpers/claims.ts";
import { createKeySealer } from "../../src/services/keys/sealing.ts";
import { keyFingerprint } from "../../src/services/secrets.ts";
import { ACCESS_TOKEN_TYPE } from "../../src/services/sessions/tokens.ts";
import { type TestApp } from "../helpers/app.ts";
import { TEST_SECRETS } from "../helpers/env.ts";

/** The HS256 access secret's kid, or a key pair's. */
export type SigningKeyName = { alg: "HS256" } | { alg: "EdDSA" | "ES256"; kid: string };

/** The claims of a token the service issued, with a fresh jti (so the text is new to every memo). */
export function reissuedClaims(accessToken: string): JWTPayload {
  return { ...claimsOf(accessToken), jti: crypto.randomUUID() };
}

/** The key an access token of the service names in its header. */
export function keyOf(accessToken: string): SigningKeyName {
  const { alg, kid } = headerOf(accessToken);
  return alg === "HS256" ? { alg } : { alg: alg as "EdDSA" | "ES256", kid: kid! };
}

async function privateKey(testApp: TestApp, kid: string, alg: string): Promise<CryptoKey | Uint8Array> {
  const row = await testApp.database.db.selectFrom("signing_keys").select("private_sealed").where("kid", "=", kid)
    .executeTakeFirstOrThrow();
  if (!row.private_sealed) throw new Error(`Key ${kid} has no private half left`);
  const jwk = await createKeySealer(testApp.deps.config).open(kid, row.private_sealed);
  return await importJWK(JSON.parse(jwk), alg) as CryptoKey;
}

/** Signs `claims` as an access token under `key`, with the service's own header. */
export async function signAsInsider(testApp: TestApp, key: SigningKeyName, claims: JWTPayload): Promise<string> {
  if (key.alg === "HS256") {
    const secret = TEST_SECRETS.JWT_SECRET;
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: keyFingerprint(secret), typ: ACCESS_TOKEN_TYPE })
      .sign(new TextEncoder().encode(secret));
  }
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
    .sign(await privateKey(testApp, key.kid, key.alg));
}
