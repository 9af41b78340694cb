import type { Config } from "../../config.ts";
import { base64url, fromBase64, fromBase64url } from "../../encoding.ts";
import { AppError } from "../../errors.ts";

const encoder = new TextEncoder();
const VERSION = "v1";

/** Seals and opens the private halves of signing keys (AES-256-GCM, the key id as associated data). */
export interface KeySealer {
  seal(kid: string, plaintext: string): Promise<string>;
  open(kid: string, sealed: string): Promise<string>;
}

/**
 * The sealer under KEY_ENCRYPTION_KEY. In development without one, a key derived from
 * JWT_SECRET stands in (config warned); production refuses to seal without it.
 */
export function createKeySealer(config: Config): KeySealer {
  let key: Promise<CryptoKey> | undefined;
  function encryptionKey(): Promise<CryptoKey> {
    return key ??= importEncryptionKey(config);
  }
  return {
    async seal(kid, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(kid) },
        await encryptionKey(),
        encoder.encode(plaintext),
      );
      return `${VERSION}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
    },
    async open(kid, sealed) {
      const [version, iv, ciphertext] = sealed.split(".");
      if (version !== VERSION || !iv || !ciphertext) throw new Error(`Key ${kid} is not sealed in a known format`);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: new Uint8Array(fromBase64url(iv)), additionalData: encoder.encode(kid) },
          await encryptionKey(),
          new Uint8Array(fromBase64url(ciphertext)),
        );
        return new TextDecoder().decode(plain);
      } catch (error) {
        throw new Error(`Key ${kid} cannot be opened: was it sealed under another KEY_ENCRYPTION_KEY?`, {
          cause: error,
        });
      }
    },
  };
}

async function importEncryptionKey(config: Config): Promise<CryptoKey> {
  const configured = config.jwt.keyEncryptionKey;
  if (configured) {
    const bytes = new Uint8Array(fromBase64(configured));
    return await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
  }
  if (config.environment === "production") {
    throw new AppError("conflict", "KEY_ENCRYPTION_KEY is not set: signing keys cannot be sealed or opened");
  }
  const master = await crypto.subtle.importKey("raw", encoder.encode(config.jwt.accessSecret), "HKDF", false, [
    "deriveKey",
  ]);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("jessy-api"), info: encoder.encode("key-encryption v1") },
    master,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}
