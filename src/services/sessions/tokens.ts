import { errors as joseErrors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Config } from "../../config.ts";
import { sha256Hex } from "../secrets.ts";
import { createVerifiedTokenMemo } from "./verified-tokens.ts";
import type { TokenClaims } from "./token-claims.ts";
import { isUuid } from "../../encoding.ts";

/** JOSE `typ` header of access tokens (RFC 9068) and of refresh tokens. */
export const ACCESS_TOKEN_TYPE = "at+jwt";
export const REFRESH_TOKEN_TYPE = "rt+jwt";

export interface TokenToSign {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  now: Date;
}

/** Raised for any token that must not be accepted; the reason is for logs, never for clients. */
export class InvalidTokenError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "InvalidTokenError";
  }
}

/** Signs and verifies both token kinds, each with its own HMAC key (imported once). */
export interface TokenSigner {
  signAccess(token: TokenToSign): Promise<{ token: string; expiresAt: number }>;
  signRefresh(token: TokenToSign): Promise<{ token: string; expiresAt: number }>;
  /** Throws InvalidTokenError unless the token is a current, well-formed access token */
  verifyAccess(token: string, now: Date): Promise<TokenClaims>;
  /** Throws InvalidTokenError unless the token is a current, well-formed refresh token */
  verifyRefresh(token: string, now: Date): Promise<TokenClaims>;
}

const ALGORITHM = "HS256";
const REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "sid", "ver"];
/** Verified access tokens remembered per process: a few MB at most */
export const VERIFIED_ACCESS_TOKENS = 10_000;

function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

function toClaims(payload: JWTPayload): TokenClaims {
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
  return { userId: sub, sessionId: sid, jti, tokenVersion: ver, issuedAt: iat!, expiresAt: exp! };
}

/**
 * Builds the signer from the JWT configuration. Verification pins HS256 (jose would
 * otherwise accept HS384/HS512 with the same secret), requires exp, iat, sub, jti, sid and
 * ver, and checks iss, aud and the `typ` header, so neither token kind passes for the other.
 * Access tokens already verified are remembered (see verified-tokens.ts); refresh tokens
 * are used once each, so they are always verified in full.
 */
export function createTokenSigner(
  jwt: Config["jwt"],
  options: { verifiedAccessTokens?: number } = {},
): TokenSigner {
  const accessKey = importHmacKey(jwt.accessSecret);
  const refreshKey = importHmacKey(jwt.refreshSecret);
  const verifiedAccess = createVerifiedTokenMemo(options.verifiedAccessTokens ?? VERIFIED_ACCESS_TOKENS);

  async function sign(key: Promise<CryptoKey>, typ: string, ttlSeconds: number, token: TokenToSign) {
    const issuedAt = Math.floor(token.now.getTime() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const jwtText = await new SignJWT({ sid: token.sessionId, ver: token.tokenVersion })
      .setProtectedHeader({ alg: ALGORITHM, typ })
      .setSubject(token.userId)
      .setJti(token.jti)
      .setIssuer(jwt.issuer)
      .setAudience(jwt.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(await key);
    return { token: jwtText, expiresAt };
  }

  async function verify(key: Promise<CryptoKey>, typ: string, token: string, now: Date): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, await key, {
        algorithms: [ALGORITHM],
        issuer: jwt.issuer,
        audience: jwt.audience,
        typ,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: now,
      });
      return toClaims(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      // Whatever jose rejects, a client only ever learns that the token is invalid
      const reason = error instanceof joseErrors.JOSEError ? error.code : "unreadable token";
      throw new InvalidTokenError(reason, { cause: error });
    }
  }

  return {
    signAccess: (token) => sign(accessKey, ACCESS_TOKEN_TYPE, jwt.accessTtlSeconds, token),
    signRefresh: (token) => sign(refreshKey, REFRESH_TOKEN_TYPE, jwt.refreshTtlSeconds, token),
    async verifyAccess(token, now) {
      const remembered = verifiedAccess.get(token, now.getTime() / 1000);
      if (remembered) return { ...remembered };
      const claims = await verify(accessKey, ACCESS_TOKEN_TYPE, token, now);
      verifiedAccess.remember(token, claims);
      return claims;
    },
    verifyRefresh: (token, now) => verify(refreshKey, REFRESH_TOKEN_TYPE, token, now),
  };
}

/** SHA-256 of a token, hex: how refresh tokens are stored. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
