import { DeviceTokenSchema } from "../auth/auth.schemas.ts";
import { z } from "@hono/zod-openapi";
import { ProofRequestSchema } from "../mfa/mfa.schemas.ts";
import { AuthenticationCredentialSchema, RegistrationCredentialSchema } from "./credential.schemas.ts";

const UUID_EXAMPLE = "0193a4c2-5b1f-7c1e-8d9a-2a6b4f1d9c3a";
const CHALLENGE = z.string().openapi({
  description: "Random, base64url: answers one ceremony, once, within 5 minutes",
  example: "7Y8GR5NA2TtjGIFa1knpYcMaHnEaLeCKYVNRoytFtSQ",
});
const TIMEOUT = z.number().int().optional().openapi({ description: "Milliseconds", example: 300000 });

const CredentialDescriptorSchema = z.object({
  id: z.string().openapi({ example: "dnmBt4LgY_vwiHm6WHhrfotgdUwifipvfrWtIYEtrBQ" }),
  type: z.string().openapi({ example: "public-key" }),
  transports: z.array(z.string()).optional().openapi({ example: ["internal", "hybrid"] }),
});

/** `PublicKeyCredentialCreationOptionsJSON`: give it to `PublicKeyCredential.parseCreationOptionsFromJSON()`. */
export const CreationOptionsSchema = z
  .looseObject({
    challenge: CHALLENGE,
    rp: z.object({
      name: z.string().openapi({ description: "WEBAUTHN_RP_NAME", example: "Jessy AI" }),
      id: z.string().optional().openapi({ description: "WEBAUTHN_RP_ID", example: "example.com" }),
    }),
    user: z.object({
      id: z.string().openapi({ description: "The user handle, base64url", example: "MDE5M2E0YzItNWIxZi03YzFl" }),
      name: z.string().openapi({ example: "alice@example.com" }),
      displayName: z.string().openapi({ example: "Alice" }),
    }),
    pubKeyCredParams: z.array(z.object({
      alg: z.number().int().openapi({ description: "COSE algorithm", example: -7 }),
      type: z.string().openapi({ example: "public-key" }),
    })),
    timeout: TIMEOUT,
    excludeCredentials: z.array(CredentialDescriptorSchema).optional(),
    authenticatorSelection: z.looseObject({
      residentKey: z.string().optional().openapi({ example: "preferred" }),
      userVerification: z.string().optional().openapi({ example: "preferred" }),
    }).optional(),
    attestation: z.string().optional().openapi({ example: "none" }),
  })
  .openapi("PasskeyCreationOptions", {
    description: "WebAuthn creation options (JSON form): pass them to `PublicKeyCredential." +
      "parseCreationOptionsFromJSON()`, then `navigator.credentials.create({ publicKey })`",
  });

/** `PublicKeyCredentialRequestOptionsJSON`: give it to `PublicKeyCredential.parseRequestOptionsFromJSON()`. */
export const RequestOptionsSchema = z
  .looseObject({
    challenge: CHALLENGE,
    rpId: z.string().optional().openapi({ description: "WEBAUTHN_RP_ID", example: "example.com" }),
    timeout: TIMEOUT,
    allowCredentials: z.array(CredentialDescriptorSchema).optional(),
    userVerification: z.string().optional().openapi({ example: "preferred" }),
  })
  .openapi("PasskeyRequestOptions", {
    description: "WebAuthn request options (JSON form): pass them to `PublicKeyCredential." +
      "parseRequestOptionsFromJSON()`, then `navigator.credentials.get({ publicKey })`",
  });

export const RegistrationOptionsRequestSchema = ProofRequestSchema;

const PasskeyNameSchema = z.string().trim().min(1).max(64).openapi({
  description: "A name the owner recognises; by default the authenticator's (from its AAGUID) or `Passkey`",
  example: "Work laptop",
});

export const RegistrationRequestSchema = z
  .object({ credential: RegistrationCredentialSchema, name: PasskeyNameSchema.optional() })
  .openapi("PasskeyRegistrationRequest");

export const SigninOptionsRequestSchema = z
  .object({
    mfa_token: z.string().min(1).max(256).optional().openapi({
      description: "Only for a passkey as the second step of a password sign-in: the `mfa_token` it answered " +
        "(the options then list the account's passkeys). Without it, a sign-in's options, the same for everyone",
      example: "b3Jp6d2x0P9vVq3lT8mYcK1sR4uW7zA0eF5hJ2nL6pQ",
    }),
  })
  .openapi("PasskeySigninOptionsRequest");

export const SigninRequestSchema = z
  .object({ credential: AuthenticationCredentialSchema, device_token: DeviceTokenSchema.optional() })
  .openapi("PasskeySigninRequest");

export const PasskeySchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    name: z.string().openapi({ example: "iCloud Keychain" }),
    created_at: z.string().openapi({ format: "date-time", example: "2026-12-07T10:00:00.000Z" }),
    last_used_at: z.string().nullable().openapi({ format: "date-time", example: "2026-12-07T12:00:00.000Z" }),
    backup_state: z.enum(["synced", "device_bound"]).openapi({
      description: "`synced`: backed up to a cloud keychain (it signs in as `swk`); `device_bound`: lives on one " +
        "authenticator only (`hwk`)",
      example: "synced",
    }),
    backup_eligible: z.boolean().openapi({ description: "The authenticator may sync it", example: true }),
    aaguid: z.string().openapi({ example: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd" }),
    transports: z.array(z.string()).openapi({ example: ["internal", "hybrid"] }),
  })
  .openapi("Passkey");

export const PasskeyListSchema = z.object({ passkeys: z.array(PasskeySchema) }).openapi("PasskeyList");

export const PasskeyIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    description: "Passkey id from GET /auth/passkeys",
    example: UUID_EXAMPLE,
  }),
});

export const RenamePasskeyRequestSchema = z.object({ name: PasskeyNameSchema }).openapi("RenamePasskeyRequest");
