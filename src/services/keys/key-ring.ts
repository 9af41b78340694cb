import { importJWK } from "jose";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { Executor, SigningKeyRow } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { describeError, type Logger } from "../../logger.ts";
import { listPublishedSigningKeys, retireSupersededKeys } from "../../repositories/signing-keys.ts";
import { type HmacKeys, importHmacKeys, type TokenKey } from "./hmac-keys.ts";
import type { KeySealer } from "./sealing.ts";
import { KEY_REFRESH_SECONDS, previousKeySeconds } from "./timing.ts";

/** The public half of a key pair as the JWKS shows it (RFC 7517). */
export interface PublicJwk {
  kty: "OKP" | "EC";
  crv: "Ed25519" | "P-256";
  x: string;
  /** P-256 only */
  y?: string;
  kid: string;
  alg: "EdDSA" | "ES256";
  use: "sig";
}

/** A published asymmetric key and its state. */
export interface PublishedKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  state: "standby" | "current" | "previous";
  jwk: PublicJwk;
}

/** The access-token keys of an instance: HMAC secrets from the configuration, key pairs from PostgreSQL. */
export interface AccessKeys {
  /** The key new access tokens are signed with (JWT_SIGNING_ALG) */
  signingKey(): Promise<TokenKey>;
  /**
   * The keys that may have signed a token with this `kid`: its HMAC secret or published
   * key pair, none for an unknown kid; every HMAC key for a token from before key ids
   */
  verificationKeys(kid: string | undefined): Promise<TokenKey[]>;
  /** Standby, current and previous key pairs, public halves only */
  publishedKeys(): Promise<PublishedKey[]>;
  /** Reads the table again now (after this instance changed it) */
  reload(): Promise<void>;
}

interface Table {
  loadedAtMs: number;
  keys: Map<string, SigningKeyRow>;
}

/** A kid nobody knows makes an instance re-read the table at most this often. */
const UNKNOWN_KID_RELOAD_MS = 1000;

export interface AccessKeysOptions {
  jwt: Config["jwt"];
  db: Executor;
  clock: Clock;
  logger: Logger;
  sealer: KeySealer;
}

/**
 * The table is read on first need, again once it is KEY_REFRESH_SECONDS old (see `current`),
 * and at once for an unknown kid. A previous key past its window is retired here, by
 * whichever instance notices first; nothing is announced, as every token it signed has expired
 * by then (an access token lives ACCESS_TOKEN_TTL_SECONDS at most, see sessions/tokens.ts).
 * Retirement and revocation by an operator do not wait for a refresh: the per-request
 * revocation check reads the key's state (see revocation/).
 */
export function createAccessKeys(options: AccessKeysOptions): AccessKeys {
  const { jwt, db, clock, logger, sealer } = options;
  const hmac: Promise<HmacKeys> = importHmacKeys(jwt.accessSecret, jwt.previousAccessSecret);
  const publicKeys = new Map<string, Promise<CryptoKey>>();
  const privateKeys = new Map<string, Promise<CryptoKey>>();
  let table: Table | undefined;
  let loading: Promise<Table> | undefined;
  let lastLoadMs = -Infinity;

  async function readTable(): Promise<Table> {
    const now = clock.now();
    const cutoff = new Date(now.getTime() - previousKeySeconds(jwt.accessTtlSeconds) * 1000);
    const rows = await listPublishedSigningKeys(db);
    const expired = (row: SigningKeyRow) => row.state === "previous" && row.superseded_at! <= cutoff;
    if (rows.some(expired)) {
      for (const kid of await retireSupersededKeys(db, cutoff, now)) logger.info("signing key retired", { kid });
    }
    return {
      loadedAtMs: clock.monotonicMs(),
      keys: new Map(rows.filter((row) => !expired(row)).map((r) => [r.kid, r])),
    };
  }

  function load(): Promise<Table> {
    if (loading) return loading;
    lastLoadMs = clock.monotonicMs();
    loading = readTable()
      .then((fresh) => table = fresh)
      .finally(() => loading = undefined);
    return loading;
  }

  /**
   * The table, loaded on first use and read again once KEY_REFRESH_SECONDS old: a JWKS, a
   * verification or a signature never lags the table by more than that. Nothing calls this
   * inside a transaction (tokens are signed before one), so waiting on a read is safe.
   */
  async function current(): Promise<Table> {
    if (table && clock.monotonicMs() - table.loadedAtMs < KEY_REFRESH_SECONDS * 1000) return table;
    try {
      return await load();
    } catch (error) {
      // The database failing: the last copy answers (revocation is still checked per request)
      if (!table) throw error;
      logger.warn("signing keys not refreshed", { error: describeError(error) });
      return table;
    }
  }

  function publicKey(row: SigningKeyRow): Promise<CryptoKey> {
    let key = publicKeys.get(row.kid);
    if (!key) {
      key = importJWK(JSON.parse(row.public_jwk), row.alg) as Promise<CryptoKey>;
      publicKeys.set(row.kid, key);
    }
    return key;
  }

  function privateKey(row: SigningKeyRow): Promise<CryptoKey> {
    let key = privateKeys.get(row.kid);
    if (!key) {
      key = (async () => {
        if (!row.private_sealed) throw new Error(`Key ${row.kid} has no private half`);
        return await importJWK(JSON.parse(await sealer.open(row.kid, row.private_sealed)), row.alg) as CryptoKey;
      })();
      key.catch(() => privateKeys.delete(row.kid));
      privateKeys.set(row.kid, key);
    }
    return key;
  }

  return {
    async signingKey() {
      if (jwt.signingAlg === "HS256") return (await hmac).current;
      const rows = [...(await current()).keys.values()];
      const signing = rows.find((row) => row.state === "current" && row.alg === jwt.signingAlg);
      if (!signing) {
        throw new AppError("service_unavailable", "No signing key is current", {
          cause: new Error(`JWT_SIGNING_ALG=${jwt.signingAlg} but no ${jwt.signingAlg} key is current`),
          headers: { "Retry-After": String(KEY_REFRESH_SECONDS) },
        });
      }
      return { kid: signing.kid, alg: signing.alg, key: await privateKey(signing) };
    },
    async verificationKeys(kid) {
      const hmacKeys = await hmac;
      if (kid === undefined) return hmacKeys.all;
      const secret = hmacKeys.byKid.get(kid);
      if (secret) return [secret];
      let row = (await current()).keys.get(kid);
      if (!row && clock.monotonicMs() - lastLoadMs >= UNKNOWN_KID_RELOAD_MS) row = (await load()).keys.get(kid);
      return row ? [{ kid: row.kid, alg: row.alg, key: await publicKey(row) }] : [];
    },
    async publishedKeys() {
      return [...(await current()).keys.values()].map((row) => ({
        kid: row.kid,
        alg: row.alg,
        state: row.state as PublishedKey["state"],
        jwk: JSON.parse(row.public_jwk),
      }));
    },
    async reload() {
      // A read already under way may have started before the caller's change committed
      await loading?.catch(() => {});
      await load();
    },
  };
}
