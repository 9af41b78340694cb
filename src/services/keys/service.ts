/**
 * The signing-key life cycle: generate, list, activate, retire, revoke, and the automatic
 * retirement of previous keys. Longer than most services on purpose: each transition checks
 * the same state rules (standby period, current key, previous window) inside one transaction.
 * @module
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { DB, SigningKeyRow } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import {
  insertSigningKey,
  listSigningKeys,
  lockCurrentSigningKey,
  lockSigningKey,
  mayHaveSignedTokens,
  retireSupersededKeys,
  setSigningKeyState,
} from "../../repositories/signing-keys.ts";
import type { Revocations } from "../revocation/revocations.ts";
import type { AccessKeys, PublicJwk } from "./key-ring.ts";
import type { KeySealer } from "./sealing.ts";
import { KEY_REFRESH_SECONDS, previousKeySeconds, STANDBY_SECONDS } from "./timing.ts";

export type KeyAlgorithm = "EdDSA" | "ES256";

/** A signing key as `deno task keys list` shows it; times in ISO 8601. */
export interface KeyView {
  kid: string;
  alg: KeyAlgorithm;
  state: SigningKeyRow["state"];
  created_at: string;
  /** Standby keys: the earliest moment `activate` accepts */
  activatable_at?: string;
  activated_at?: string;
  superseded_at?: string;
  /** Previous keys: when they are retired automatically */
  retires_at?: string;
  retired_at?: string;
  revoked_at?: string;
}

/** RFC 8414 metadata of this service. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  /** RFC 7662 introspection, authorised by an admin API key with `tokens:introspect` */
  introspection_endpoint: string;
  response_types_supported: string[];
}

/** The signing keys' life cycle and what is published of them. */
export interface KeyService {
  /** The public halves of the standby, current and previous keys (RFC 7517) */
  jwks(): Promise<{ keys: PublicJwk[] }>;
  metadata(): AuthorizationServerMetadata;
  /** A new key pair in standby: published at once, signing once activated */
  generate(alg: KeyAlgorithm): Promise<KeyView>;
  list(): Promise<KeyView[]>;
  /**
   * standby → current (after STANDBY_SECONDS published, or at once while no token has been
   * signed for this database); the current key becomes previous
   */
  activate(kid: string): Promise<KeyView>;
  /**
   * standby → retired, or previous → retired once its tokens have expired: it leaves the JWKS,
   * and a token it signed is refused on every instance from now on, even one remembered as verified
   */
  retire(kid: string): Promise<KeyView>;
  /**
   * standby, previous (once no instance signs with it) or retired → revoked: its tokens are
   * refused on every instance from now on. Revoking a retired key records that it was
   * compromised (and announces it again to the revocation cache).
   */
  revoke(kid: string): Promise<KeyView>;
  /**
   * At start-up with JWT_SIGNING_ALG=EdDSA or ES256: checks that a key of that algorithm is
   * current and opens. Production refuses to start without one; development generates one
   * and activates it at once (there is no resource server to wait for). Returns its kid.
   */
  ensureSigningKey(): Promise<string | undefined>;
}

export interface KeyServiceOptions {
  config: Config;
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  accessKeys: AccessKeys;
  sealer: KeySealer;
  revocations: Revocations;
}

function iso(date: Date | null): string | undefined {
  return date ? new Date(date).toISOString() : undefined;
}

/** Builds the key service of one instance (the CLI builds its own through the same assembly). */
export function createKeyService(options: KeyServiceOptions): KeyService {
  const { config, db, clock, logger, accessKeys, sealer, revocations } = options;
  const previousMs = previousKeySeconds(config.jwt.accessTtlSeconds) * 1000;

  function view(row: SigningKeyRow): KeyView {
    const created = new Date(row.created_at).getTime();
    return {
      kid: row.kid,
      alg: row.alg,
      state: row.state,
      created_at: iso(row.created_at)!,
      activatable_at: row.state === "standby" ? new Date(created + STANDBY_SECONDS * 1000).toISOString() : undefined,
      activated_at: iso(row.activated_at),
      superseded_at: iso(row.superseded_at),
      retires_at: row.state === "previous"
        ? new Date(new Date(row.superseded_at!).getTime() + previousMs).toISOString()
        : undefined,
      retired_at: iso(row.retired_at),
      revoked_at: iso(row.revoked_at),
    };
  }

  /** Runs a state change on one locked key, then re-reads this instance's keys; returns the key as it is then. */
  async function transition(
    kid: string,
    apply: (row: SigningKeyRow, now: Date, trx: Transaction<DB>) => Promise<void>,
  ): Promise<KeyView> {
    const now = clock.now();
    const row = await db.transaction().execute(async (trx) => {
      const locked = await lockSigningKey(trx, kid);
      if (!locked) throw new AppError("not_found", `No signing key ${kid}`);
      await apply(locked, now, trx);
      return await lockSigningKey(trx, kid);
    });
    await accessKeys.reload();
    return view(row!);
  }

  function refuse(detail: string): never {
    throw new AppError("conflict", detail);
  }

  /** Makes `kid` the current key and the current one previous, in the caller's transaction. */
  async function promote(trx: Transaction<DB>, kid: string, now: Date): Promise<string | undefined> {
    const current = await lockCurrentSigningKey(trx);
    if (current) await setSigningKeyState(trx, current.kid, "previous", now);
    await setSigningKeyState(trx, kid, "current", now);
    return current?.kid;
  }

  /** Development only: a new key that signs at once, skipping the standby period. */
  async function bootstrap(alg: KeyAlgorithm): Promise<void> {
    const { kid } = await generate(alg);
    await db.transaction().execute((trx) => promote(trx, kid, clock.now()));
    logger.warn("development: signing key generated and activated without the standby period", { kid, alg });
  }

  async function generate(alg: KeyAlgorithm): Promise<KeyView> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const now = clock.now();
    await insertSigningKey(db, {
      kid,
      alg,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: "sig" }),
      privateSealed: await sealer.seal(kid, JSON.stringify(await exportJWK(privateKey))),
      now,
    });
    logger.info("signing key generated", { kid, alg });
    await accessKeys.reload();
    return view((await listSigningKeys(db)).find((row) => row.kid === kid)!);
  }

  return {
    async ensureSigningKey() {
      const alg = config.jwt.signingAlg;
      if (alg === "HS256") return undefined;
      const rows = await listSigningKeys(db);
      if (!rows.some((row) => row.state === "current" && row.alg === alg)) {
        if (config.environment === "production") {
          throw new Error(
            `JWT_SIGNING_ALG=${alg} but no ${alg} key is current: run \`deno task keys generate\`, then ` +
              `\`deno task keys activate KID\` (at once on a database with no account and no key that signed, ` +
              `${STANDBY_SECONDS} s later otherwise)`,
          );
        }
        await bootstrap(alg);
      }
      await accessKeys.reload();
      // Opens the private half now: a wrong KEY_ENCRYPTION_KEY stops start-up, not the first sign-in
      return (await accessKeys.signingKey()).kid;
    },
    async jwks() {
      const published = await accessKeys.publishedKeys();
      return { keys: published.map(({ jwk }) => jwk) };
    },
    metadata: () => ({
      issuer: config.jwt.issuer,
      jwks_uri: `${config.appUrl}/.well-known/jwks.json`,
      introspection_endpoint: `${config.appUrl}/oauth/introspect`,
      response_types_supported: [],
    }),
    generate,
    async list() {
      const now = clock.now();
      await retireSupersededKeys(db, new Date(now.getTime() - previousMs), now);
      return (await listSigningKeys(db)).map(view);
    },
    activate: (kid) =>
      transition(kid, async (row, now, trx) => {
        if (row.state !== "standby") refuse(`Only a standby key can be activated; ${kid} is ${row.state}`);
        const signingAlg = config.jwt.signingAlg;
        if (signingAlg !== "HS256" && row.alg !== signingAlg) {
          refuse(`${kid} is an ${row.alg} key but JWT_SIGNING_ALG is ${signingAlg}`);
        }
        const activatableAt = new Date(row.created_at).getTime() + STANDBY_SECONDS * 1000;
        // The wait lets resource servers' cached key sets expire; before any token was signed for
        // this database (a first deployment) none verified anything with one, so there is none to wait for
        if (now.getTime() < activatableAt && await mayHaveSignedTokens(trx)) {
          refuse(
            `${kid} has not been published for ${STANDBY_SECONDS} s (the JWKS max-age and a key refresh): ` +
              `it can be activated from ${new Date(activatableAt).toISOString()}`,
          );
        }
        logger.info("signing key activated", { kid, previous: await promote(trx, kid, now) });
      }),
    async retire(kid) {
      const retired = await transition(kid, async (row, now, trx) => {
        if (row.state === "current") refuse(`${kid} is the current key: activate another one first`);
        if (row.state === "retired" || row.state === "revoked") refuse(`${kid} is already ${row.state}`);
        if (row.state === "previous") {
          const retiresAt = new Date(row.superseded_at!).getTime() + previousMs;
          if (now.getTime() < retiresAt) {
            refuse(
              `Tokens signed with ${kid} may be valid until ${new Date(retiresAt).toISOString()}, ` +
                "when it retires on its own; revoke it to refuse them now",
            );
          }
        }
        await setSigningKeyState(trx, kid, "retired", now);
        logger.info("signing key retired", { kid });
      });
      // An instance that verified a token of this key remembers it: the token check refuses it now
      await revocations.publish({ keyIds: [kid] });
      return retired;
    },
    async revoke(kid) {
      const revoked = await transition(kid, async (row, now, trx) => {
        if (row.state === "current") refuse(`${kid} is the current key: activate another one first, then revoke it`);
        if (row.state === "previous") {
          // An instance that has not re-read the keys since the activation still signs with it
          const signsUntil = new Date(row.superseded_at!).getTime() + KEY_REFRESH_SECONDS * 1000;
          if (now.getTime() < signsUntil) {
            refuse(`Instances may sign with ${kid} until ${new Date(signsUntil).toISOString()}; revoke it then`);
          }
        }
        // Revoking again publishes again (a revocation the cache missed)
        if (row.state !== "revoked") await setSigningKeyState(trx, kid, "revoked", now);
        logger.warn("signing key revoked", { kid });
      });
      await revocations.publish({ keyIds: [kid] });
      return revoked;
    },
  };
}
