import type { KeySealer } from "../keys/sealing.ts";
import type { AccountDeps } from "../accounts/account-deps.ts";

/** What the second factor needs beyond the account flows: the sealer its secrets are kept under. */
export interface MfaDeps extends AccountDeps {
  sealer: KeySealer;
}
