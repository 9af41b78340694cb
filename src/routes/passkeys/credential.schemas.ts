import { z } from "@hono/zod-openapi";

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A base64url field of a credential, bounded so a huge value is 422 before anything decodes it. */
function base64urlField(max: number, description: string) {
  return z.string().min(1).max(max).regex(BASE64URL, "must be base64url").openapi({ description });
}

const CLIENT_DATA = base64urlField(4096, "`clientDataJSON` as base64url (the browser's `toJSON()` gives it so)");
const CREDENTIAL_ID = base64urlField(1024, "The credential id, base64url");

const ClientExtensionResultsSchema = z.looseObject({}).openapi({
  description: "`getClientExtensionResults()`; `{}` when none",
  example: {},
});

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.create()`. */
export const RegistrationCredentialSchema = z
  .object({
    id: CREDENTIAL_ID,
    rawId: CREDENTIAL_ID,
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: CLIENT_DATA,
      attestationObject: base64urlField(32_768, "The attestation object (CBOR), base64url"),
      transports: z.array(z.string().max(32)).max(10).optional().openapi({ example: ["internal", "hybrid"] }),
      authenticatorData: base64urlField(16_384, "Authenticator data, base64url").optional(),
      publicKey: base64urlField(4096, "The public key (SPKI), base64url").optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: ClientExtensionResultsSchema,
  })
  .openapi("RegistrationCredential");

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.get()`. */
export const AuthenticationCredentialSchema = z
  .object({
    id: CREDENTIAL_ID,
    rawId: CREDENTIAL_ID,
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: CLIENT_DATA,
      authenticatorData: base64urlField(16_384, "Authenticator data, base64url"),
      signature: base64urlField(2048, "The signature, base64url"),
      userHandle: base64urlField(1024, "The user handle the passkey was created with, base64url").optional(),
    }),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: ClientExtensionResultsSchema,
  })
  .openapi("AuthenticationCredential");
