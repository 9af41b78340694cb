import type { Clock, TimerId } from "../../clock.ts";
import type { Executor } from "../../db/schema.ts";
import { describeError, type Logger } from "../../logger.ts";
import { NOOP_OBSERVER, type Observer } from "../../observer.ts";
import { readTokenStanding, type TokenStanding } from "../../repositories/token-standing.ts";
import { findUserProfile } from "../../repositories/users.ts";
import type { TokenClaims } from "../identity.ts";
import type { CacheEntry, RevocationCache } from "./cache.ts";
import type { Revocation, Revocations } from "./revocations.ts";

export interface CachedRevocationsOptions {
  db: Executor;
  cache: RevocationCache;
  clock: Clock;
  logger: Logger;
  accessTtlSeconds: number;
  /** How long a "still valid" fact may be served from the cache before Postgres is asked again */
  validTtlSeconds?: number;
  /** How long to keep retrying a publication the cache refused */
  retryForSeconds?: number;
  retryIntervalMs?: number;
  /** Counts checks by where they were answered, and times publications */
  observer?: Observer;
}

const REVOKED = 1;
const VALID = 0;

export const cacheKeys = {
  jti: (jti: string) => `jti:${jti}`,
  session: (sessionId: string) => `sid:${sessionId}`,
  version: (userId: string) => `ver:${userId}`,
  key: (keyId: string) => `kid:${keyId}`,
};

/**
 * Revocation with Redis: the access-token check. Steady state: one cache read of four keys (`jti:`, `sid:`,
 * `ver:`, `kid:`), no SQL. Postgres is the source of truth and is read, once, when:
 * - a key is missing (first use of a token, TTL over, cache flushed) — the answer refills it;
 * - the cached version differs from the token's (a bump not yet committed, or rolled back);
 * - a publication of this instance's still waits to reach the cache: only "revoked" answers count;
 * - the cache fails or times out: never a 500 and never a pass without Postgres agreeing.
 */
export function createCachedRevocations(options: CachedRevocationsOptions): Revocations {
  const { db, cache, clock, logger, accessTtlSeconds } = options;
  const validTtl = options.validTtlSeconds ?? 60;
  const retryForMs = (options.retryForSeconds ?? validTtl) * 1000;
  const retryIntervalMs = options.retryIntervalMs ?? 1000;
  const observer = options.observer ?? NOOP_OBSERVER;
  let pending: { entries: CacheEntry[]; giveUpAt: number }[] = [];
  let retryTimer: TimerId | undefined;
  let retrying = false;
  let closed = false;

  async function readCache(claims: TokenClaims): Promise<(number | undefined)[] | undefined> {
    try {
      return await cache.read([
        cacheKeys.jti(claims.jti),
        cacheKeys.session(claims.sessionId),
        cacheKeys.version(claims.userId),
        cacheKeys.key(claims.keyId),
      ]);
    } catch {
      return undefined;
    }
  }

  function refillEntries(claims: TokenClaims, standing: TokenStanding): CacheEntry[] {
    const nowSeconds = clock.now().getTime() / 1000;
    const entries: CacheEntry[] = [
      standing.jtiDenied
        ? { key: cacheKeys.jti(claims.jti), value: REVOKED, ttlSeconds: claims.expiresAt - nowSeconds + 1 }
        : { key: cacheKeys.jti(claims.jti), value: VALID, ttlSeconds: validTtl },
      standing.sessionActive
        ? { key: cacheKeys.session(claims.sessionId), value: VALID, ttlSeconds: validTtl }
        : { key: cacheKeys.session(claims.sessionId), value: REVOKED, ttlSeconds: accessTtlSeconds },
      standing.keyWithdrawn
        ? { key: cacheKeys.key(claims.keyId), value: REVOKED, ttlSeconds: accessTtlSeconds }
        : { key: cacheKeys.key(claims.keyId), value: VALID, ttlSeconds: validTtl },
    ];
    if (standing.tokenVersion !== null) {
      entries.push({ key: cacheKeys.version(claims.userId), value: standing.tokenVersion, ttlSeconds: validTtl });
    }
    return entries;
  }

  async function isUsable(claims: TokenClaims): Promise<boolean> {
    const cached = await readCache(claims);
    if (cached) {
      const [jti, session, version, key] = cached;
      if (jti === REVOKED || session === REVOKED || key === REVOKED) {
        observer.revocationCheck("cache");
        return false;
      }
      // While a publication waits for a retry, this instance's own cache may be missing it
      const trusted = pending.length === 0;
      if (trusted && jti === VALID && session === VALID && key === VALID && version === claims.tokenVersion) {
        observer.revocationCheck("cache");
        return true;
      }
    }
    observer.revocationCheck("database");
    const standing = await readTokenStanding(db, { ...claims, now: clock.now() });
    if (cached) await cache.raise(refillEntries(claims, standing)).catch(() => {});
    return !standing.jtiDenied && !standing.keyWithdrawn && standing.sessionActive &&
      standing.tokenVersion === claims.tokenVersion;
  }

  function revocationEntries(revocation: Revocation): CacheEntry[] {
    const nowSeconds = clock.now().getTime() / 1000;
    return [
      ...(revocation.jtis ?? []).map(({ jti, expiresAt }) => ({
        key: cacheKeys.jti(jti),
        value: REVOKED,
        ttlSeconds: Math.max(1, expiresAt - nowSeconds + 1),
      })),
      ...(revocation.sessionIds ?? []).map((id) => ({
        key: cacheKeys.session(id),
        value: REVOKED,
        ttlSeconds: accessTtlSeconds,
      })),
      ...(revocation.keyIds ?? []).map((keyId) => ({
        key: cacheKeys.key(keyId),
        value: REVOKED,
        ttlSeconds: accessTtlSeconds,
      })),
      ...(revocation.userVersion
        ? [{
          key: cacheKeys.version(revocation.userVersion.userId),
          value: revocation.userVersion.tokenVersion,
          ttlSeconds: accessTtlSeconds,
        }]
        : []),
    ];
  }

  function scheduleRetry() {
    if (retryTimer !== undefined || retrying || closed) return;
    retryTimer = clock.setTimeout(retryPending, retryIntervalMs);
  }

  /** One pass at a time; an item leaves `pending` only once the cache took it */
  async function retryPending() {
    retryTimer = undefined;
    retrying = true;
    try {
      const now = clock.monotonicMs();
      pending = pending.filter((item) => item.giveUpAt > now);
      for (const item of [...pending]) {
        try {
          await cache.raise(item.entries);
          pending = pending.filter((other) => other !== item);
        } catch {
          // Stays pending for the next pass
        }
      }
    } finally {
      retrying = false;
    }
    if (pending.length > 0) scheduleRetry();
  }

  async function publish(revocation: Revocation) {
    const entries = revocationEntries(revocation);
    if (entries.length === 0) return;
    const started = performance.now();
    try {
      await cache.raise(entries);
      observer.revocationPublished((performance.now() - started) / 1000);
    } catch (error) {
      // Postgres already holds the revocation. Until the cache takes it, this instance stops
      // trusting cached "valid" answers, and cached ones elsewhere expire within validTtl.
      logger.warn("revocation not cached yet, retrying", { error: describeError(error) });
      pending.push({ entries, giveUpAt: clock.monotonicMs() + retryForMs });
      scheduleRetry();
    }
  }

  return {
    isUsable,
    async usableProfile(claims) {
      return await isUsable(claims) ? await findUserProfile(db, claims.userId) : undefined;
    },
    publish,
    close() {
      closed = true;
      clock.clearTimeout(retryTimer);
      return Promise.resolve();
    },
  };
}
