import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { AdminApiKeyRow, DB } from "../../db/schema.ts";
import { base64url } from "../../encoding.ts";
import { AppError } from "../../errors.ts";
import {
  findAdminApiKeyByHash,
  insertAdminApiKey,
  listAdminApiKeys,
  replaceAdminApiKey,
  revokeAdminApiKey,
  touchAdminApiKey,
} from "../../repositories/admin-api-keys.ts";
import { sha256Hex } from "../secrets.ts";
import { ADMIN_SCOPES, type AdminKeyIdentity, isAdminScope } from "./scopes.ts";

/** Every admin API key starts so: recognisable in logs, secret scanners and config files. */
export const ADMIN_KEY_PREFIX = "jak_";
/** What an admin key looks like: the prefix and 32 random bytes, base64url. */
export const ADMIN_KEY_PATTERN = /^jak_[A-Za-z0-9_-]{43}$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A key's last use is written at most once per minute */
const LAST_USED_RESOLUTION_MS = 60_000;
/** The key `deno task dev` prints at start-up */
export const DEVELOPMENT_KEY_NAME = "development";

/** A key as `admin-key list` shows it: never the key, never its hash. */
export interface AdminKeyView {
  name: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface AdminKeyService {
  /** A new key: the only time its text exists outside the caller's hands */
  create(input: { name: string; scopes: string[]; expiresDays?: number }): Promise<{ key: string; view: AdminKeyView }>;
  list(): Promise<AdminKeyView[]>;
  revoke(name: string): Promise<AdminKeyView>;
  /**
   * The key's identity when it exists, is not revoked and has not expired; undefined
   * otherwise. Read from PostgreSQL on every call: a revocation holds on every instance at once.
   */
  authenticate(key: string): Promise<AdminKeyIdentity | undefined>;
  /** Development: a key named `development` with every scope, replacing the previous run's */
  issueDevelopmentKey(): Promise<string>;
}

function newKey(): { key: string; keyHash: string } {
  const key = ADMIN_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { key, keyHash: hashAdminKey(key) };
}

/** SHA-256 of the key, hex: 256 random bits need no slow hash, and a lookup by it is one index probe. */
export function hashAdminKey(key: string): string {
  return sha256Hex(key);
}

function view(row: AdminApiKeyRow): AdminKeyView {
  return {
    name: row.name,
    scopes: row.scopes.split(" "),
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

function invalid(detail: string): AppError {
  return new AppError("validation_failed", detail);
}

/** Builds the admin API key service over the `admin_api_keys` table. */
export function createAdminKeyService(options: { db: Kysely<DB>; clock: Clock }): AdminKeyService {
  const { db, clock } = options;
  return {
    async create(input) {
      if (!NAME_PATTERN.test(input.name)) {
        throw invalid(
          "A key name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit",
        );
      }
      const scopes = [...new Set(input.scopes)];
      const unknown = scopes.filter((scope) => !isAdminScope(scope));
      if (scopes.length === 0 || unknown.length > 0) {
        throw invalid(`Scopes are a comma-separated list of ${ADMIN_SCOPES.join(", ")}`);
      }
      const days = input.expiresDays;
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
        throw invalid("--expires-days is a whole number of days from 1 to 3650");
      }
      const now = clock.now();
      const { key, keyHash } = newKey();
      const expiresAt = days === undefined ? null : new Date(now.getTime() + days * 86_400_000);
      const row = await insertAdminApiKey(db, { name: input.name, keyHash, scopes, now, expiresAt });
      if (!row) throw new AppError("conflict", `A key named ${input.name} exists (revoked keys keep their names)`);
      return { key, view: view(row) };
    },
    async list() {
      return (await listAdminApiKeys(db)).map(view);
    },
    async revoke(name) {
      const row = await revokeAdminApiKey(db, name, clock.now());
      if (!row) throw new AppError("not_found", `No live key named ${name}`);
      return view(row);
    },
    async authenticate(key) {
      if (!ADMIN_KEY_PATTERN.test(key)) return undefined;
      const row = await findAdminApiKeyByHash(db, hashAdminKey(key));
      const now = clock.now();
      if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) return undefined;
      if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
        await touchAdminApiKey(db, row.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
      }
      return { id: row.id, name: row.name, scopes: row.scopes.split(" ") };
    },
    async issueDevelopmentKey() {
      const { key, keyHash } = newKey();
      await replaceAdminApiKey(db, {
        name: DEVELOPMENT_KEY_NAME,
        keyHash,
        scopes: [...ADMIN_SCOPES],
        now: clock.now(),
        expiresAt: null,
      });
      return key;
    },
  };
}
