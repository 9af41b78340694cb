/** How every benchmark places and shapes its load: shared by `deno task bench` and its `--scale` run. */

/** The service and the ceilings run on core 0, wrk on core 1 */
export const SERVER_CPU = "0";
export const LOAD_CPU = "1";
/** Users whose pre-minted access tokens the token-check scenarios walk through */
export const TOKEN_USERS = 64;
export const PASSWORD = "bench-password-correct-horse";
/** bcrypt cost of the seeded users that only need a hash, not a realistic one */
export const CHEAP_COST = 4;
export const HTTP_CONNECTIONS = 32;
export const REFRESH_CONNECTIONS = 16;
export const SIGNIN_CONNECTIONS = 8;
