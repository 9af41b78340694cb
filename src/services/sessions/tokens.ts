import {
  decodeProtectedHeader,
  errors as joseErrors,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
  SignJWT,
} from "jose";
import type { Config } from "../../config.ts";
import { sha256Hex } from "../secrets.ts";
import { createVerifiedTokenMemo } from "./verified-tokens.ts";
import type { Assurance, TokenClaims } from "../identity.ts";
import { isUuid } from "../../encoding.ts";
import { importHmacKeys } from "../keys/hmac-keys.ts";
import type { AccessKeys } from "../keys/key-ring.ts";
import { CLOCK_SKEW_SECONDS } from "../keys/timing.ts";

/** JOSE `typ` header of access tokens (RFC 9068) and of refresh tokens. */
export const ACCESS_TOKEN_TYPE = "at+jwt";
export const REFRESH_TOKEN_TYPE = "rt+jwt";

export interface TokenToSign {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  now: Date;
  /** How the sign-in was proven; a password at `now` when absent */
  assurance?: Assurance;
}

/** Raised for any token that must not be accepted; the reason is for logs, never for clients. */
export class InvalidTokenError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "InvalidTokenError";
  }
}

/** Signs and verifies both token kinds, each with its own keys. */
export interface TokenSigner {
  signAccess(token: TokenToSign): Promise<{ token: string; expiresAt: number }>;
  signRefresh(token: TokenToSign): Promise<{ token: string; expiresAt: number }>;
  /** Throws InvalidTokenError unless the token is a current, well-formed access token */
  verifyAccess(token: string, now: Date): Promise<TokenClaims>;
  /** Throws InvalidTokenError unless the token is a current, well-formed refresh token */
  verifyRefresh(token: string, now: Date): Promise<TokenClaims>;
}

const REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "sid", "ver"];
/** Verified access tokens remembered per process: a few MB at most */
export const VERIFIED_ACCESS_TOKENS = 10_000;

/** Where a kind of token finds its keys: the signing one, and those that may verify a `kid`. */
export type TokenKeys = Pick<AccessKeys, "signingKey" | "verificationKeys">;

/** HS256 keys from a secret and its predecessor (refresh tokens; access tokens without a key table). */
export function secretKeys(secret: string, previous?: string): TokenKeys {
  const keys = importHmacKeys(secret, previous);
  return {
    signingKey: async () => (await keys).current,
    async verificationKeys(kid) {
      const { all, byKid } = await keys;
      if (kid === undefined) return all;
      const key = byKid.get(kid);
      return key ? [key] : [];
    },
  };
}

/** The `amr`, `aal` and `auth_time` claims; absent ones read as a password sign-in at `iat`. */
function assuranceOf(payload: JWTPayload): Assurance {
  const { amr, aal, auth_time: authTime } = payload as JWTPayload & {
    amr?: unknown;
    aal?: unknown;
    auth_time?: unknown;
  };
  if (amr === undefined && aal === undefined && authTime === undefined) {
    return { amr: ["pwd"], aal: 1, authTime: payload.iat! };
  }
  if (!Array.isArray(amr) || !amr.every((method) => typeof method === "string")) {
    throw new InvalidTokenError("amr is not a list of methods");
  }
  if (aal !== 1 && aal !== 2) throw new InvalidTokenError("aal is not 1 or 2");
  if (typeof authTime !== "number" || !Number.isSafeInteger(authTime)) {
    throw new InvalidTokenError("auth_time is not a time");
  }
  return { amr, aal, authTime };
}

function toClaims(payload: JWTPayload, keyId: string): TokenClaims {
  const { sub, jti, sid, ver, iat, exp } = payload as JWTPayload & { sid?: unknown; ver?: unknown };
  // Never issued here; refusing it keeps remembered tokens valid exactly when jose would say so
  // (jose compares nbf with the clock on every check, the memo only exp)
  if (payload.nbf !== undefined) throw new InvalidTokenError("nbf is not used by this service");
  if (typeof sub !== "string" || !isUuid(sub)) throw new InvalidTokenError("sub is not a user id");
  if (typeof sid !== "string" || !isUuid(sid)) throw new InvalidTokenError("sid is not a session id");
  if (typeof jti !== "string" || !isUuid(jti)) throw new InvalidTokenError("jti is not a token id");
  if (typeof ver !== "number" || !Number.isSafeInteger(ver) || ver < 0) {
    throw new InvalidTokenError("ver is not a token version");
  }
  return {
    userId: sub,
    sessionId: sid,
    jti,
    tokenVersion: ver,
    keyId,
    issuedAt: iat!,
    expiresAt: exp!,
    assurance: assuranceOf(payload),
  };
}

/**
 * The times jose leaves to the caller. A token issued in the future (beyond the clock skew
 * tolerated between instances) or living longer than its kind's lifetime was not made by
 * this service: only a holder of a signing key could make one, and a retired key's tokens
 * must have expired (a previous key verifies one access-token lifetime after it stops
 * signing). `exp` and `iat` come from one clock at one instant, so their difference needs
 * no skew allowance; `iat` against this instance's clock does.
 */
function checkTimes(payload: JWTPayload, now: Date, maxLifetimeSeconds: number | undefined): void {
  const issuedAt = payload.iat!;
  if (issuedAt > now.getTime() / 1000 + CLOCK_SKEW_SECONDS) throw new InvalidTokenError("iat is in the future");
  if (maxLifetimeSeconds !== undefined && payload.exp! - issuedAt > maxLifetimeSeconds) {
    throw new InvalidTokenError("exp - iat exceeds the token lifetime");
  }
}

/** The `kid` of a token's header: undefined when absent (tokens from before key ids), refused when malformed. */
function keyIdOf(token: string): string | undefined {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new InvalidTokenError("unreadable token", { cause: error });
  }
  if (header.kid !== undefined && (typeof header.kid !== "string" || header.kid === "")) {
    throw new InvalidTokenError("kid is not a key id");
  }
  return header.kid;
}

/**
 * Builds the signer. Every token carries the `kid` of the key that signed it, and is
 * verified with that key alone, its algorithm pinned (jose would otherwise accept HS384/HS512
 * with an HMAC secret); an unknown kid is refused. A token without kid (issued before key
 * ids) is tried with the HMAC secrets only. Verification requires exp, iat, sub, jti, sid
 * and ver, and checks iss, aud and the `typ` header, so neither token kind passes for the
 * other; `iat` may not lie ahead beyond the clock skew, and an access token may not live
 * longer than ACCESS_TOKEN_TTL_SECONDS (a refresh token's life is its row's, which its
 * session bounds; capping it by REFRESH_TOKEN_TTL_SECONDS would sign everyone out when an
 * operator shortens it). Access tokens already verified are remembered (see verified-tokens.ts); refresh
 * tokens are used once each, so they are always verified in full.
 */
export function createTokenSigner(
  jwt: Config["jwt"],
  options: { accessKeys?: TokenKeys; verifiedAccessTokens?: number } = {},
): TokenSigner {
  const accessKeys = options.accessKeys ?? secretKeys(jwt.accessSecret, jwt.previousAccessSecret);
  const refreshKeys = secretKeys(jwt.refreshSecret, jwt.previousRefreshSecret);
  const verifiedAccess = createVerifiedTokenMemo(options.verifiedAccessTokens ?? VERIFIED_ACCESS_TOKENS);

  async function sign(keys: TokenKeys, typ: string, ttlSeconds: number, token: TokenToSign) {
    const signing = await keys.signingKey();
    const issuedAt = Math.floor(token.now.getTime() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const { amr, aal, authTime } = token.assurance ?? { amr: ["pwd"], aal: 1, authTime: issuedAt };
    const jwtText = await new SignJWT({ sid: token.sessionId, ver: token.tokenVersion, amr, aal, auth_time: authTime })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ })
      .setSubject(token.userId)
      .setJti(token.jti)
      .setIssuer(jwt.issuer)
      .setAudience(jwt.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(signing.key);
    return { token: jwtText, expiresAt };
  }

  /** `maxLifetimeSeconds`: the longest `exp - iat` accepted, none for refresh tokens (see createTokenSigner) */
  async function verify(
    keys: TokenKeys,
    typ: string,
    token: string,
    now: Date,
    maxLifetimeSeconds?: number,
  ): Promise<TokenClaims> {
    const candidates = await keys.verificationKeys(keyIdOf(token));
    if (candidates.length === 0) throw new InvalidTokenError("unknown kid");
    let failure: unknown;
    for (const candidate of candidates) {
      try {
        const { payload } = await jwtVerify(token, candidate.key, {
          algorithms: [candidate.alg],
          issuer: jwt.issuer,
          audience: jwt.audience,
          typ,
          requiredClaims: REQUIRED_CLAIMS,
          currentDate: now,
        });
        checkTimes(payload, now, maxLifetimeSeconds);
        return toClaims(payload, candidate.kid);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        failure = error;
      }
    }
    // Whatever jose rejects, a client only ever learns that the token is invalid
    const reason = failure instanceof joseErrors.JOSEError ? failure.code : "unreadable token";
    throw new InvalidTokenError(reason, { cause: failure });
  }

  return {
    signAccess: (token) => sign(accessKeys, ACCESS_TOKEN_TYPE, jwt.accessTtlSeconds, token),
    signRefresh: (token) => sign(refreshKeys, REFRESH_TOKEN_TYPE, jwt.refreshTtlSeconds, token),
    async verifyAccess(token, now) {
      const remembered = verifiedAccess.get(token, now.getTime() / 1000);
      if (remembered) return { ...remembered };
      const claims = await verify(accessKeys, ACCESS_TOKEN_TYPE, token, now, jwt.accessTtlSeconds);
      verifiedAccess.remember(token, claims);
      return claims;
    },
    verifyRefresh: (token, now) => verify(refreshKeys, REFRESH_TOKEN_TYPE, token, now),
  };
}

/** SHA-256 of a token, hex: how refresh tokens are stored. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
