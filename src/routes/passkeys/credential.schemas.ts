import { z } from "@hono/zod-openapi";

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A base64url field of a credential, bounded so a huge value is 422 before anything decodes it. */
function base64urlField(max: number, description: string, example: string) {
  return z.string().min(1).max(max).regex(BASE64URL, "must be base64url").openapi({ description, example });
}

const CLIENT_DATA = base64urlField(
  4096,
  "`clientDataJSON` as base64url (the browser's `toJSON()` gives it so)",
  "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiN1k4R1I1TkEyVHRqR0lGYTFrbnBZY01hSG5FYUxlQ0tZVk5Sb3l0RnRTUSIsIm9yaWdpbiI6Imh0dHBzOi8vZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
);
const CREDENTIAL_ID = base64urlField(
  1024,
  "The credential id, base64url",
  "dnmBt4LgY_vwiHm6WHhrfotgdUwifipvfrWtIYEtrBQ",
);
const CREDENTIAL_TYPE = z.literal("public-key").openapi({ example: "public-key" });
const ATTACHMENT = z.enum(["platform", "cross-platform"]).optional().openapi({ example: "platform" });
const AUTH_DATA_EXAMPLE = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg";

const ClientExtensionResultsSchema = z.looseObject({}).openapi({
  description: "`getClientExtensionResults()`; `{}` when none",
  example: {},
});

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.create()`. */
export const RegistrationCredentialSchema = z
  .object({
    id: CREDENTIAL_ID,
    rawId: CREDENTIAL_ID,
    type: CREDENTIAL_TYPE,
    response: z.object({
      clientDataJSON: CLIENT_DATA,
      attestationObject: base64urlField(
        32_768,
        "The attestation object (CBOR), base64url",
        "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjF",
      ),
      transports: z.array(z.string().max(32)).max(10).optional().openapi({ example: ["internal", "hybrid"] }),
      authenticatorData: base64urlField(16_384, "Authenticator data, base64url", AUTH_DATA_EXAMPLE).optional(),
      publicKey: base64urlField(4096, "The public key (SPKI), base64url", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
        .optional(),
      publicKeyAlgorithm: z.number().int().optional().openapi({ description: "COSE algorithm", example: -7 }),
    }),
    authenticatorAttachment: ATTACHMENT,
    clientExtensionResults: ClientExtensionResultsSchema,
  })
  .openapi("RegistrationCredential");

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.get()`. */
export const AuthenticationCredentialSchema = z
  .object({
    id: CREDENTIAL_ID,
    rawId: CREDENTIAL_ID,
    type: CREDENTIAL_TYPE,
    response: z.object({
      clientDataJSON: CLIENT_DATA,
      authenticatorData: base64urlField(16_384, "Authenticator data, base64url", AUTH_DATA_EXAMPLE),
      signature: base64urlField(
        2048,
        "The signature, base64url",
        "MEUCIQDgZ3nS0vJ8qjQ2mXk1n9y4Bv7h3Qe2sZb8x1u6rVwKpAIgXy",
      ),
      userHandle: base64urlField(
        1024,
        "The user handle the passkey was created with, base64url",
        "MDE5M2E0YzItNWIxZi03YzFl",
      ).optional(),
    }),
    authenticatorAttachment: ATTACHMENT,
    clientExtensionResults: ClientExtensionResultsSchema,
  })
  .openapi("AuthenticationCredential");
