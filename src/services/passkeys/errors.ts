import { AppError } from "../../errors.ts";

/**
 * One answer for every assertion that does not sign anyone in: unknown credential, used or
 * expired challenge, wrong origin or RP id, bad signature, counter gone backwards, malformed
 * data. The body never tells whether the credential exists.
 */
export function invalidPasskeyError(): AppError {
  return new AppError("invalid_passkey", "The passkey response was not accepted; start the ceremony again");
}

/** One answer for every attestation a registration refuses. */
export function invalidRegistrationError(): AppError {
  return new AppError(
    "invalid_passkey_registration",
    "The passkey registration was not accepted; ask for new options and try again",
  );
}
