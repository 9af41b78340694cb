import type { Migration, MigrationProvider } from "kysely/migration";
import * as accounts from "./2026_11_27_0001_accounts.ts";
import * as sessions from "./2026_11_27_0002_sessions.ts";
import * as mailOutbox from "./2026_11_27_0003_mail_outbox.ts";
import * as accountLookups from "./2026_11_28_0004_account_lookups.ts";
import * as signingKeys from "./2026_11_29_0005_signing_keys.ts";
import * as signupBindings from "./2026_11_29_0006_signup_bindings.ts";
import * as knownDevices from "./2026_11_29_0007_known_devices.ts";
import * as accountSelfService from "./2026_11_29_0008_account_self_service.ts";
import * as adminApi from "./2026_11_29_0009_admin_api.ts";
import * as scaleIndexes from "./2026_11_29_0010_scale_indexes.ts";
import * as orderedSessionIndex from "./2026_11_29_0011_ordered_session_index.ts";
import * as refreshSuccessors from "./2026_11_29_0012_refresh_successors.ts";
import * as refreshHashNotUnique from "./2026_11_29_0013_refresh_hash_not_unique.ts";
import * as refreshGraceClients from "./2026_12_07_0014_refresh_grace_clients.ts";
import * as expiryIndexes from "./2026_12_07_0015_expiry_indexes.ts";
import * as webhooks from "./2026_12_07_0016_webhooks.ts";
import * as secondFactor from "./2026_12_07_0017_second_factor.ts";
import * as webhookSecretExpiry from "./2026_12_07_0018_webhook_secret_expiry.ts";
import * as pendingTotpIndex from "./2026_12_07_0019_pending_totp_index.ts";
import * as sessionDevices from "./2026_12_07_0020_session_devices.ts";
import * as passkeys from "./2026_12_07_0021_passkeys.ts";
import * as activityMails from "./2026_12_07_0022_activity_mails.ts";

const MIGRATIONS: Record<string, Migration> = {
  "2026_11_27_0001_accounts": accounts,
  "2026_11_27_0002_sessions": sessions,
  "2026_11_27_0003_mail_outbox": mailOutbox,
  "2026_11_28_0004_account_lookups": accountLookups,
  "2026_11_29_0005_signing_keys": signingKeys,
  "2026_11_29_0006_signup_bindings": signupBindings,
  "2026_11_29_0007_known_devices": knownDevices,
  "2026_11_29_0008_account_self_service": accountSelfService,
  "2026_11_29_0009_admin_api": adminApi,
  "2026_11_29_0010_scale_indexes": scaleIndexes,
  "2026_11_29_0011_ordered_session_index": orderedSessionIndex,
  "2026_11_29_0012_refresh_successors": refreshSuccessors,
  "2026_11_29_0013_refresh_hash_not_unique": refreshHashNotUnique,
  "2026_12_07_0014_refresh_grace_clients": refreshGraceClients,
  "2026_12_07_0015_expiry_indexes": expiryIndexes,
  "2026_12_07_0016_webhooks": webhooks,
  "2026_12_07_0017_second_factor": secondFactor,
  "2026_12_07_0018_webhook_secret_expiry": webhookSecretExpiry,
  "2026_12_07_0019_pending_totp_index": pendingTotpIndex,
  "2026_12_07_0020_session_devices": sessionDevices,
  "2026_12_07_0021_passkeys": passkeys,
  "2026_12_07_0022_activity_mails": activityMails,
};

/** Static provider: migrations are bundled with the code, no file-system scan at run time. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
