import type { Config } from "../../../config.ts";
import { deriveHmacKey, type HmacKey, keyFingerprint } from "../../secrets.ts";

/** One HMAC key of codes or reset tokens, and the id stored with each row it keyed. */
export interface CodeKey {
  id: string;
  key: HmacKey;
}

/** The current key (new rows) and the previous one (rows written before a rotation). */
export interface CodeKeys {
  current: CodeKey;
  /** The keys that may have keyed a row with this key id; every key for rows older than key ids */
  candidates(keyId: string | null): CodeKey[];
  all: CodeKey[];
}

const rings = new Map<string, WeakMap<Config, CodeKeys>>();

/**
 * The keys for one purpose (`label`), derived once per configuration with HKDF from
 * HMAC_SECRET and HMAC_SECRET_PREVIOUS, or from JWT_SECRET while HMAC_SECRET is unset (the
 * derivation codes have always used, so codes written before key ids keep working).
 */
export function codeKeys(config: Config, label: string): CodeKeys {
  let byConfig = rings.get(label);
  if (!byConfig) rings.set(label, byConfig = new WeakMap());
  let ring = byConfig.get(config);
  if (!ring) {
    ring = deriveCodeKeys(config, label);
    byConfig.set(config, ring);
  }
  return ring;
}

function deriveCodeKeys(config: Config, label: string): CodeKeys {
  const secrets = [config.codeSecrets.current, config.codeSecrets.previous].filter((s): s is string => Boolean(s));
  const all = secrets.map((secret) => ({ id: keyFingerprint(secret), key: deriveHmacKey(secret, label) }));
  return {
    current: all[0],
    all,
    candidates: (keyId) => keyId === null ? all : all.filter((key) => key.id === keyId),
  };
}
