import type { Config } from "../config.ts";
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
