import type { WebhookEventType } from "../webhook-event-types.ts";
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction } from "kysely";

/** Timestamps are written as Date and read back as Date on both drivers. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  email_normalized: string;
  name: string | null;
  password_hash: string;
  email_verified: Generated<boolean>;
  token_version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Set while an administrator has disabled the account (until enabled, or until disabled_until) */
  disabled_at: Generated<Date | null>;
  disabled_until: Generated<Date | null>;
  disabled_reason: Generated<string | null>;
  /** Set while the account waits for erasure (pending deletion); null for a live account */
  deletion_due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** One sign-up of an unverified address: what verifying with one of its codes applies. */
export interface PendingSignupsTable {
  id: Generated<string>;
  user_id: string;
  password_hash: string;
  name: string | null;
  created_at: Timestamp;
}

export interface EmailOtpsTable {
  id: Generated<string>;
  user_id: string;
  /** The sign-up whose password and name this code applies */
  signup_id: string;
  code_hmac: string;
  hmac_key_id: string | null;
  attempts: Generated<number>;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface PasswordResetTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  hmac_key_id: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  use_count: Generated<number>;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  /** RFC 8176 methods of the sign-in, space-separated (`pwd`, `pwd otp`, `pwd mfa`) */
  amr: Generated<string>;
  /** Authenticator assurance level of the sign-in: 1 (password) or 2 (a second factor too) */
  aal: Generated<number>;
  /** When the user last proved who they are in this session; null for sessions from before it was kept */
  auth_time: Timestamp | null;
  /** The sign-in's User-Agent parsed once (services/device.ts); null for sessions from before it was kept */
  device_browser: string | null;
  device_os: string | null;
  device_type: string | null;
  device_label: string | null;
  /** The sign-in presented a valid device token; null for sessions from before it was kept */
  known_device: boolean | null;
  /** What the owner called the session, made safe to show (displayText) */
  name: string | null;
}

/** An account's authenticator app: pending until its first code, then on. */
export interface TotpFactorsTable {
  user_id: string;
  /** The base32 secret sealed under KEY_ENCRYPTION_KEY (see services/keys/sealing.ts) */
  secret_sealed: string;
  created_at: Timestamp;
  pending_until: Timestamp | null;
  activated_at: Timestamp | null;
  last_used_step: number | null;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hmac: string;
  hmac_key_id: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface MfaChallengesTable {
  id: string;
  user_id: string;
  token_hash: string;
  token_version: number;
  attempts: Generated<number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  first_factor: Generated<string>;
  /** The first step came with a valid device token: the sign-in is from a known device */
  device_known: Generated<boolean>;
}

export interface RefreshTokensTable {
  id: Generated<string>;
  session_id: string;
  user_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  replaced_by: string | null;
  /**
   * Written only by versions before 2026_11_29_0012 (the pairs are in refresh_successors now);
   * read when refresh_successors has no pair, while a deploy rolls. A later migration drops it.
   */
  successor_sealed: string | null;
  /** Handed out a second time by a grace answer: its own exchange opens no grace window */
  shared_by_grace: Generated<boolean>;
}

/** The pair a refresh token was exchanged for, kept only for the reuse grace window. */
export interface RefreshSuccessorsTable {
  token_id: string;
  session_id: string;
  /** The successor pair, sealed with a key derived from the consumed token */
  sealed: string;
  consumed_at: Timestamp;
  /** Digest of the client that exchanged the token (refresh-client.ts); null from versions before 2026_12_07_0014 */
  client: string | null;
}

export type SigningKeyState = "standby" | "current" | "previous" | "retired" | "revoked";

export interface SigningKeysTable {
  kid: string;
  alg: "EdDSA" | "ES256";
  state: SigningKeyState;
  /** The public JWK, JSON */
  public_jwk: string;
  /** The private JWK sealed with AES-GCM under KEY_ENCRYPTION_KEY; erased once retired or revoked */
  private_sealed: string | null;
  created_at: Timestamp;
  activated_at: Timestamp | null;
  superseded_at: Timestamp | null;
  retired_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** A device that signed in: the SHA-256 of its device token, valid while the token version holds. */
export interface KnownDevicesTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  token_version: number;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
}

export interface RevokedAccessTokensTable {
  jti: string;
  user_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface SecurityEventsTable {
  id: Generated<string>;
  user_id: string | null;
  type: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: Timestamp;
  /** The admin API key (its name) behind an admin action; null for the user's own events */
  actor: Generated<string | null>;
  /** What an admin action did (reason, until…), JSON */
  details: Generated<Record<string, unknown> | null>;
  /** For an erased account's events: a keyed pseudonym of its id (user_id is then null) */
  user_pseudonym: Generated<string | null>;
}

/** An admin API key: its SHA-256 only, never the key. */
export interface AdminApiKeysTable {
  id: Generated<string>;
  name: string;
  key_hash: string;
  /** Space-separated scopes */
  scopes: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** A requested change of address, waiting for the code mailed to the new one. */
export interface EmailChangesTable {
  id: Generated<string>;
  user_id: string;
  new_email: string;
  new_email_normalized: string;
  code_hmac: string;
  hmac_key_id: string;
  attempts: Generated<number>;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
}

export type AccountTokenPurpose = "email_change_revert" | "deletion_cancel" | "not_me";

/** A single-use token mailed to an account's owner: undo an address change, keep an account. */
export interface AccountTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: AccountTokenPurpose;
  token_hash: string;
  hmac_key_id: string;
  /** email_change_revert: the address to restore */
  previous_email: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export interface MailOutboxTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  template: string;
  status: Generated<"pending" | "sent" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** One signing secret of an endpoint, sealed; it stops signing at `expires_at` (ISO 8601) when set. */
export interface StoredSigningSecret {
  sealed: string;
  expires_at: string | null;
}

/** A URL subscribed to webhook events. */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  /** Event types (JSON array of strings) */
  events: ColumnType<WebhookEventType[], string, string>;
  /** Signing secrets, newest first (JSON array): several while a rotation overlaps */
  secrets: ColumnType<StoredSigningSecret[], string, string>;
  created_at: Timestamp;
}

/** One event for one endpoint, delivered by the durable-delivery worker. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  /** Orders one user's events to one endpoint; compared in SQL only (its type differs by driver) */
  seq: Generated<string>;
  endpoint_id: string;
  /** The `webhook-id`: the same on every attempt and for every endpoint of one event */
  event_id: string;
  event_type: WebhookEventType;
  user_id: string | null;
  /** The body sent: `{ type, timestamp, data }` */
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<"pending" | "sent" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  /** The receiver's HTTP status on the last attempt, when it answered */
  last_status: number | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** Every table the service owns; Kysely's type for queries. */
/** One account's activity mail digest (see services/activity/). */
export interface ActivityDigestsTable {
  user_id: string;
  next_mail_at: Timestamp;
  open_mail_id: string | null;
  open_token_hash: string | null;
  notices: ColumnType<unknown, string, string>;
}

export interface DB {
  users: UsersTable;
  pending_signups: PendingSignupsTable;
  email_otps: EmailOtpsTable;
  known_devices: KnownDevicesTable;
  password_reset_tokens: PasswordResetTokensTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  refresh_successors: RefreshSuccessorsTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  security_events: SecurityEventsTable;
  mail_outbox: MailOutboxTable;
  signing_keys: SigningKeysTable;
  admin_api_keys: AdminApiKeysTable;
  email_changes: EmailChangesTable;
  account_tokens: AccountTokensTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  activity_digests: ActivityDigestsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}

/** A WebAuthn credential; binary values are base64url text, so both drivers read them alike. */
export interface PasskeysTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  /** bigint: a number from PGlite, a string from postgres.js */
  counter: ColumnType<string | number, number, number>;
  transports: string;
  device_type: string;
  backed_up: boolean;
  aaguid: string;
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface WebauthnChallengesTable {
  id: string;
  challenge_hash: string;
  ceremony: string;
  user_id: string | null;
  mfa_challenge_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type MailOutboxRow = Selectable<MailOutboxTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type AdminApiKeyRow = Selectable<AdminApiKeysTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

/** What a repository function runs on: the database, or the caller's transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;
