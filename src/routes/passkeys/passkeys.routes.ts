import { defineRoute } from "../../http/define-route.ts";
import { SIGNED_IN_LINKS } from "../../http/schemas.ts";
import { SigninAnswerSchema } from "../auth/auth.schemas.ts";
import { ProofRequestSchema } from "../mfa/mfa.schemas.ts";
import {
  CreationOptionsSchema,
  PasskeyIdParamsSchema,
  PasskeyListSchema,
  PasskeySchema,
  RegistrationOptionsRequestSchema,
  RegistrationRequestSchema,
  RenamePasskeyRequestSchema,
  RequestOptionsSchema,
  SigninOptionsRequestSchema,
  SigninRequestSchema,
} from "./passkeys.schemas.ts";

const TAGS = ["Passkeys"];
const PROOF = "Proof: `current_password` plus `mfa_code` while a second factor is on, or an access token whose " +
  "sign-in is under 5 minutes old (at `aal` 2 while a factor is on, as a passkey sign-in with user verification " +
  "gives); neither is 403 `reauthentication_required`.";
const PROOF_ERRORS = [
  "reauthentication_required",
  "invalid_current_password",
  "mfa_code_required",
  "invalid_mfa_code",
] as const;
const INVALID_PASSKEY = "Any assertion that does not check out (unknown credential, used, expired or foreign " +
  "challenge, another origin or RP id, a bad signature, a signature counter that did not move forward, data " +
  "that does not parse) is the same 401 `invalid_passkey`, whether the credential exists or not.";

export const registrationOptions = defineRoute({
  method: "post",
  path: "/auth/passkeys/registration/options",
  operationId: "passkeyRegistrationOptions",
  tags: TAGS,
  summary: "Start registering a passkey: WebAuthn creation options",
  description: "Creation options for `navigator.credentials.create()`: a challenge only this account can answer, " +
    "once, within 5 minutes; resident key and user verification preferred; the account's passkeys excluded " +
    "(an authenticator that holds one is not asked again). Send the result to POST /auth/passkeys/registration. " +
    PROOF,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS],
  request: { body: { content: { "application/json": { schema: RegistrationOptionsRequestSchema } } } },
  responses: {
    200: {
      description: "Options for the authenticator",
      content: { "application/json": { schema: CreationOptionsSchema } },
    },
  },
});

export const register = defineRoute({
  method: "post",
  path: "/auth/passkeys/registration",
  operationId: "registerPasskey",
  tags: TAGS,
  summary: "Save the passkey the authenticator created",
  description: "The credential (`PublicKeyCredential.toJSON()`) answering this account's live registration " +
    "challenge, from an origin of WEBAUTHN_ORIGINS for the RP id WEBAUTHN_RP_ID. Named `name`, else after the " +
    "authenticator. Records `passkey_added` (the owner is told). Anything that does not verify — a used, " +
    "expired or another account's challenge, another origin or RP id, an attestation that does not parse — is " +
    "400 `invalid_passkey_registration`; a credential already registered is 409 `conflict`.",
  tier: "sensitive",
  auth: true,
  errors: ["invalid_passkey_registration", "conflict"],
  request: { body: { content: { "application/json": { schema: RegistrationRequestSchema } } } },
  responses: {
    201: { description: "Saved", content: { "application/json": { schema: PasskeySchema } } },
  },
});

export const list = defineRoute({
  method: "get",
  path: "/auth/passkeys",
  operationId: "listPasskeys",
  tags: TAGS,
  summary: "The account's passkeys",
  description: "Name, when created and last used, and whether each is synced or bound to one device; never a key.",
  tier: "general",
  auth: true,
  responses: {
    200: { description: "Oldest first", content: { "application/json": { schema: PasskeyListSchema } } },
  },
});

export const rename = defineRoute({
  method: "patch",
  path: "/auth/passkeys/{id}",
  operationId: "renamePasskey",
  tags: TAGS,
  summary: "Rename a passkey",
  description: "404 `not_found` for an id that is not one of the account's passkeys.",
  tier: "general",
  auth: true,
  errors: ["not_found"],
  request: {
    params: PasskeyIdParamsSchema,
    body: { content: { "application/json": { schema: RenamePasskeyRequestSchema } } },
  },
  responses: {
    200: { description: "Renamed", content: { "application/json": { schema: PasskeySchema } } },
  },
});

export const remove = defineRoute({
  method: "delete",
  path: "/auth/passkeys/{id}",
  operationId: "deletePasskey",
  tags: TAGS,
  summary: "Remove a passkey",
  description: "It signs nobody in any more. Records `passkey_removed` (the owner is told). The last passkey can " +
    "go too: the second factor that can be on is the authenticator app, whose recovery codes stay. The body " +
    "is `{}` with a fresh access token. 404 `not_found` for an id that is not one of the account's. " + PROOF,
  tier: "sensitive",
  auth: true,
  errors: [...PROOF_ERRORS, "not_found"],
  request: {
    params: PasskeyIdParamsSchema,
    body: { content: { "application/json": { schema: ProofRequestSchema } } },
  },
  responses: { 204: { description: "Removed" } },
});

export const signinOptions = defineRoute({
  method: "post",
  path: "/auth/passkeys/signin/options",
  operationId: "passkeySigninOptions",
  tags: TAGS,
  summary: "Start a passkey sign-in: WebAuthn request options (no address needed)",
  description: "Request options for `navigator.credentials.get()`: no credential listed (the authenticator " +
    "offers the passkeys it holds for this site), a challenge that answers one sign-in, once, within 5 " +
    "minutes; the same for every caller, so they tell nothing about any account. With the `mfa_token` of a " +
    "password sign-in: the options of a passkey as its second step, listing the account's passkeys (401 " +
    "`invalid_mfa_token` for a dead token, 409 `conflict` for an account without a passkey).",
  tier: "auth",
  rateLimitKey: "ip",
  errors: ["invalid_mfa_token", "conflict"],
  request: { body: { content: { "application/json": { schema: SigninOptionsRequestSchema } } } },
  responses: {
    200: {
      description: "Options for the authenticator",
      content: { "application/json": { schema: RequestOptionsSchema } },
    },
  },
});

export const signin = defineRoute({
  method: "post",
  path: "/auth/passkeys/signin",
  operationId: "passkeySignin",
  tags: TAGS,
  summary: "Sign in with a passkey",
  description: "The assertion (`PublicKeyCredential.toJSON()`) answering a sign-in challenge. When the " +
    'authenticator verified the user: the token pair, `amr` `["hwk","user"]` (`["swk","user"]` for a synced ' +
    "passkey) at `aal` 2, which also satisfies a second factor. Without user verification: with a second " +
    "factor on, `mfa_required` as after a password (finish with POST /auth/mfa/verify and a code); without " +
    'one, the pair at `aal` 1 (`amr` `["hwk"]`). ' + INVALID_PASSKEY + " An account an administrator disabled " +
    "is 403 `account_disabled`.",
  tier: "auth",
  rateLimitKey: "ip",
  errors: ["invalid_passkey", "account_disabled"],
  request: { body: { content: { "application/json": { schema: SigninRequestSchema } } } },
  responses: {
    200: {
      description: "Signed in, or the challenge of the second step",
      content: { "application/json": { schema: SigninAnswerSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});
