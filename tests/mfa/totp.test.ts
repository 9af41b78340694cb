import { assertEquals } from "../helpers/assert.ts";
import {
  codeForStep,
  currentTotpCode,
  matchingStep,
  newTotpSecret,
  TOTP_PERIOD_SECONDS,
  totpStep,
} from "../../src/services/mfa/totp.ts";
import { parseFactorCode } from "../../src/services/mfa/factor-codes.ts";
import { newRecoveryCodes } from "../../src/services/mfa/recovery-codes.ts";

/** RFC 6238 appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890". */
const RFC_SECRET = new TextEncoder().encode("12345678901234567890");
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

Deno.test("TOTP codeForStep: RFC 6238 appendix B vectors (SHA-1, 8 digits; the 6-digit code is their tail)", () => {
  for (const [seconds, expected] of RFC_VECTORS) {
    const step = totpStep(new Date(seconds * 1000));
    assertEquals(codeForStep(RFC_SECRET, step, 8), expected, `T=${seconds}`);
    assertEquals(codeForStep(RFC_SECRET, step), expected.slice(2), `T=${seconds}, 6 digits`);
  }
});

Deno.test("TOTP matchingStep: a code is good from the first to the last second of its step and one step either side", () => {
  const secret = newTotpSecret();
  const stepStart = new Date(1_800_000_000 * 1000 - (1_800_000_000 % TOTP_PERIOD_SECONDS) * 1000);
  const step = totpStep(stepStart);
  const code = currentTotpCode(secret, stepStart);
  const at = (offsetSeconds: number) => new Date(stepStart.getTime() + offsetSeconds * 1000);
  // Its own step, first and last millisecond
  assertEquals(matchingStep(secret, code, at(0)), step);
  assertEquals(matchingStep(secret, code, new Date(at(TOTP_PERIOD_SECONDS).getTime() - 1)), step);
  // One step of drift either way
  assertEquals(matchingStep(secret, code, at(TOTP_PERIOD_SECONDS)), step);
  assertEquals(matchingStep(secret, code, new Date(at(2 * TOTP_PERIOD_SECONDS).getTime() - 1)), step);
  assertEquals(matchingStep(secret, code, new Date(at(0).getTime() - 1)), step);
  assertEquals(matchingStep(secret, code, at(-TOTP_PERIOD_SECONDS)), step);
  // Two steps away: refused
  assertEquals(matchingStep(secret, code, at(2 * TOTP_PERIOD_SECONDS)), null);
  assertEquals(matchingStep(secret, code, new Date(at(-TOTP_PERIOD_SECONDS).getTime() - 1)), null);
});

Deno.test("parseFactorCode: 6 digits are a TOTP code, xxxxx-xxxxx a recovery code; anything else is invalid_mfa_code", () => {
  assertEquals(parseFactorCode(" 123 456 "), { kind: "totp", code: "123456" });
  const [recovery] = newRecoveryCodes();
  assertEquals(parseFactorCode(recovery.toUpperCase().replace("-", "")), { kind: "recovery", code: recovery });
  for (const bad of ["", "12345", "1234567", "12345a", "abcde-fghij0", "0oooo-11111", "１２３４５６", "12345\u0000"]) {
    let code = "";
    try {
      parseFactorCode(bad);
    } catch (error) {
      code = (error as { code: string }).code;
    }
    assertEquals(code, "invalid_mfa_code", JSON.stringify(bad));
  }
});
