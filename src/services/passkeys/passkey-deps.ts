import type { MfaDeps } from "../mfa/mfa-deps.ts";

/** Passkeys need what the second factor needs: registering asks its proof. */
export type PasskeyDeps = MfaDeps;
