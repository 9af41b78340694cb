/**
 * A software authenticator: real ES256 keys and signatures (node:crypto), real CBOR, real
 * authenticator data, so the server's verifier checks exactly what a browser would send. It
 * can also do what a browser never would (sign for another origin or RP id, wind its counter
 * back), which is what the threat tests need.
 * @module
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The CBOR subset WebAuthn uses: integers, byte and text strings, maps. */
export type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>;

function cborHead(major: number, length: number): Uint8Array {
  if (length < 24) return Uint8Array.of((major << 5) | length);
  if (length < 256) return Uint8Array.of((major << 5) | 24, length);
  if (length < 65536) return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
  return Uint8Array.of((major << 5) | 26, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

export function cbor(value: CborValue): Uint8Array {
  if (typeof value === "number") return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === "string") {
    const bytes = encoder.encode(value);
    return concat(cborHead(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(cborHead(2, value.length), value);
  return concat(cborHead(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

export interface Ceremony {
  /** The page's origin the browser would write into clientDataJSON */
  origin: string;
  /** The RP id the authenticator hashes into its data (the options' by default) */
  rpId?: string;
  /** User verified (UV flag) */
  userVerified?: boolean;
  /** The challenge to answer, instead of the options' */
  challenge?: string;
  type?: string;
}

export interface SoftAuthenticatorOptions {
  aaguid?: string;
  /** Backup eligible and backed up: a synced passkey */
  synced?: boolean;
  /** Keeps a signature counter (starting at 0, +1 per assertion); false: always 0 */
  counter?: boolean;
}

// deno-lint-ignore no-explicit-any
type Json = any;

export class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  readonly #privateKey: KeyObject;
  readonly #publicJwk: JsonWebKey;
  readonly aaguid: string;
  readonly synced: boolean;
  readonly keepsCounter: boolean;
  counter = 0;
  /** The user handle the creation options gave, answered back on assertions */
  userHandle?: string;

  constructor(options: SoftAuthenticatorOptions = {}) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#privateKey = privateKey;
    this.#publicJwk = publicKey.export({ format: "jwk" }) as JsonWebKey;
    this.aaguid = options.aaguid ?? "00000000-0000-0000-0000-000000000000";
    this.synced = options.synced ?? false;
    this.keepsCounter = options.counter ?? true;
  }

  get id(): string {
    return base64url(this.credentialId);
  }

  #flags(ceremony: Ceremony, attested: boolean): number {
    let flags = 0x01; // UP
    if (ceremony.userVerified ?? true) flags |= 0x04;
    if (this.synced) flags |= 0x08 | 0x10; // BE, BS
    if (attested) flags |= 0x40; // AT
    return flags;
  }

  #clientData(type: string, challenge: string, origin: string): string {
    return base64url(encoder.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }

  #counterBytes(): Uint8Array {
    const value = this.counter;
    return Uint8Array.of(value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff);
  }

  /** `navigator.credentials.create()` then `toJSON()`, with "none" attestation. */
  create(options: Json, ceremony: Ceremony): Json {
    this.userHandle = options.user.id;
    const rpId = ceremony.rpId ?? options.rp.id;
    const coseKey = cbor(
      new Map<CborValue, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, fromBase64url(this.#publicJwk.x!)],
        [-3, fromBase64url(this.#publicJwk.y!)],
      ]),
    );
    const aaguid = Uint8Array.from(this.aaguid.replaceAll("-", "").match(/../g)!.map((hex) => parseInt(hex, 16)));
    const authData = concat(
      sha256(rpId),
      Uint8Array.of(this.#flags(ceremony, true)),
      this.#counterBytes(),
      aaguid,
      Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 0xff),
      this.credentialId,
      coseKey,
    );
    const attestationObject = cbor(
      new Map<CborValue, CborValue>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: this.#clientData(
          ceremony.type ?? "webauthn.create",
          ceremony.challenge ?? options.challenge,
          ceremony.origin,
        ),
        attestationObject: base64url(attestationObject),
        transports: ["internal"],
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  /** `navigator.credentials.get()` then `toJSON()`; the counter moves first when it keeps one. */
  get(options: Json, ceremony: Ceremony): Json {
    if (this.keepsCounter) this.counter += 1;
    const rpId = ceremony.rpId ?? options.rpId;
    const authData = concat(sha256(rpId), Uint8Array.of(this.#flags(ceremony, false)), this.#counterBytes());
    const clientDataJSON = this.#clientData(
      ceremony.type ?? "webauthn.get",
      ceremony.challenge ?? options.challenge,
      ceremony.origin,
    );
    const signature = sign("sha256", concat(authData, sha256(fromBase64url(clientDataJSON))), this.#privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON,
        authenticatorData: base64url(authData),
        signature: base64url(new Uint8Array(signature)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}

export { base64url, fromBase64url };
