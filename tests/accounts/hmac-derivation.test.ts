/**
 * Codes, reset links, address-change codes and cursors stored or handed out by earlier versions
 * were keyed with WebCrypto's HKDF and HMAC; the node:crypto keys must give the same digests,
 * or every pending code and cursor would stop working on upgrade.
 */
import { assertEquals } from "../helpers/assert.ts";
import { deriveHmacKey, hmacHex } from "../../src/services/secrets.ts";

const encoder = new TextEncoder();

/** The derivation as WebCrypto ran it: HKDF-SHA256 (salt "jessy-api", info = label) to a 256-bit HMAC key. */
async function webCryptoHmacHex(secret: string, label: string, message: string): Promise<string> {
  const master = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("jessy-api"), info: encoder.encode(label) },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("HMAC keys derived with node:crypto give the digests WebCrypto's HKDF and HMAC gave", async () => {
  const secrets = ["test-jwt-secret-0123456789abcdef0123456789abcdef", "ünïcødé secret — 🔑 with spaces"];
  const labels = [
    "email-verification-otp v1",
    "password-reset-token v1",
    "session-cursor v1",
    "security-event-cursor v1",
  ];
  const messages = ["", "user-id:123456", "9b2f…:2026-11-29T12:00:00.000Z:id", "x".repeat(10_000)];
  for (const secret of secrets) {
    for (const label of labels) {
      const key = deriveHmacKey(secret, label);
      for (const message of messages) {
        assertEquals(await hmacHex(key, message), await webCryptoHmacHex(secret, label, message), `${label}`);
      }
    }
  }
});
