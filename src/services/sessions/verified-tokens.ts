import type { TokenClaims } from "../identity.ts";

/**
 * Access tokens this process has already verified, by their exact text. A client sends the
 * same access token with every call for up to its lifetime, and verifying it again (decode,
 * HMAC through WebCrypto, claim checks) was the largest cost of a token-checked request.
 *
 * Only tokens that passed full verification are remembered, so a token that differs from a
 * remembered one in any character is verified from scratch; invalid tokens are never
 * stored, so nobody can fill the memo without valid tokens. What a token's text proves
 * never changes except expiry, checked on every hit. Revocation is not a property of the
 * text and stays the caller's per-request check.
 */
export interface VerifiedTokenMemo {
  /** The claims of a remembered token that has not expired at `nowSeconds` */
  get(token: string, nowSeconds: number): Readonly<TokenClaims> | undefined;
  remember(token: string, claims: TokenClaims): void;
  readonly size: number;
}

/** A memo of at most `capacity` tokens; the oldest one makes room for a new one. */
export function createVerifiedTokenMemo(capacity: number): VerifiedTokenMemo {
  const claimsByToken = new Map<string, Readonly<TokenClaims>>();
  return {
    get(token, nowSeconds) {
      const claims = claimsByToken.get(token);
      if (!claims) return undefined;
      // jose's rule: a token is expired once exp <= now, in whole seconds
      if (claims.expiresAt > Math.floor(nowSeconds)) return claims;
      claimsByToken.delete(token);
      return undefined;
    },
    remember(token, claims) {
      if (capacity <= 0 || claimsByToken.has(token)) return;
      if (claimsByToken.size >= capacity) claimsByToken.delete(claimsByToken.keys().next().value!);
      claimsByToken.set(token, Object.freeze({ ...claims }));
    },
    get size() {
      return claimsByToken.size;
    },
  };
}
