import type { Config } from "../config.ts";
import type { StoredSigningSecret } from "../db/schema.ts";
import { base64 } from "../encoding.ts";

const PLAIN = "plain:";

/** Signing secrets as stored: sealed under KEY_ENCRYPTION_KEY (the endpoint id as associated data) when set. */
export interface SecretBox {
  seal(endpointId: string, secret: string): Promise<string>;
  open(endpointId: string, stored: string): Promise<string>;
}

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${base64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** How long the secrets a rotation replaces keep signing beside the new one: a day for receivers to switch. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** The secrets that sign at `now`, newest first: every one without an expiry or not yet past it. */
export function signingSecretsAt(secrets: readonly StoredSigningSecret[], now: Date): StoredSigningSecret[] {
  return secrets.filter((secret) => secret.expires_at === null || new Date(secret.expires_at) > now);
}

/**
 * The secrets after a rotation: the new one first, without expiry; the ones still signing
 * expire at the end of the overlap (or earlier, when an earlier rotation set it so); the
 * expired ones are dropped.
 */
export function rotatedSecrets(
  secrets: readonly StoredSigningSecret[],
  sealedNew: string,
  now: Date,
): { secrets: StoredSigningSecret[]; previousExpireAt: Date } {
  const previousExpireAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
  const previous = signingSecretsAt(secrets, now).map((secret) => ({
    sealed: secret.sealed,
    expires_at: secret.expires_at ?? previousExpireAt.toISOString(),
  }));
  return { secrets: [{ sealed: sealedNew, expires_at: null }, ...previous], previousExpireAt };
}

/** AES-GCM sealing with associated data (services/keys/sealing.ts provides it under KEY_ENCRYPTION_KEY). */
export interface Sealer {
  seal(kid: string, plaintext: string): Promise<string>;
  open(kid: string, sealed: string): Promise<string>;
}

export function createSecretBox(config: Config, sealer: Sealer): SecretBox {
  const sealing = Boolean(config.jwt.keyEncryptionKey);
  return {
    seal: async (endpointId, secret) => sealing ? await sealer.seal(endpointId, secret) : PLAIN + secret,
    // A secret stored before KEY_ENCRYPTION_KEY was set stays readable
    open: async (endpointId, stored) =>
      stored.startsWith(PLAIN) ? stored.slice(PLAIN.length) : await sealer.open(endpointId, stored),
  };
}
