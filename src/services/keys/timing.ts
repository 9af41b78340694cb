/** How long HTTP caches may keep GET /.well-known/jwks.json (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;
/** How often an instance re-reads the signing_keys table (sooner for a kid it does not know). */
export const KEY_REFRESH_SECONDS = 10;
/** Clock difference tolerated between instances and resource servers. */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * How long a standby key must have been published before it may sign: the JWKS max-age,
 * plus the time every instance needs to notice the key and publish it.
 */
export const STANDBY_SECONDS = JWKS_MAX_AGE_SECONDS + KEY_REFRESH_SECONDS;

/**
 * How long a previous key keeps verifying: the longest access-token lifetime, plus the time
 * an instance may keep signing with it before it notices the activation, plus the skew.
 */
export function previousKeySeconds(accessTtlSeconds: number): number {
  return accessTtlSeconds + KEY_REFRESH_SECONDS + CLOCK_SKEW_SECONDS;
}
