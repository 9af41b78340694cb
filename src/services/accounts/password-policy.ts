/**
 * The password policy, in one place for sign-up, reset and change-password. The length rules
 * live in the request schemas (they need no account); this adds what needs the address or a
 * list: not the address's local part, not a common password, not a breached one. Everything
 * it reads ships with the service or sits on local disk: it works air-gapped.
 * @module
 */
import { dictionary } from "@zxcvbn-ts/language-common";
import { type Config, ConfigError } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { AppError } from "../../errors.ts";
import { openPwnedFile, type PwnedFile, PwnedFileError } from "./pwned-file.ts";

/** A local part this long or longer is refused inside a password too, not only as the whole password. */
const MIN_CONTAINED_LOCAL_PART = 4;

export interface PasswordPolicy {
  /**
   * Resolves when `password` may be set for `email`; otherwise throws 422 `password_too_similar`
   * or `password_breached` naming `field` in `errors`.
   */
  check(password: string, email: string, field: string): Promise<void>;
}

let commonPasswords: ReadonlySet<string> | undefined;

/** The common-password list of @zxcvbn-ts/language-common (≈ 49,000, lower-case), loaded once. */
export function loadCommonPasswords(): ReadonlySet<string> {
  return commonPasswords ??= new Set(dictionary["passwords-common"]);
}

/** True when the password is, or (for a local part of 4 or more characters) contains, the address's local part. */
export function tooSimilarToEmail(password: string, email: string): boolean {
  const address = email.trim().toLowerCase();
  const local = address.split("@")[0];
  const candidate = password.toLowerCase();
  if (candidate === address || candidate === local) return true;
  return local.length >= MIN_CONTAINED_LOCAL_PART && candidate.includes(local);
}

/** The policy over the shipped common list and, when configured, the breached-password file. */
export function createPasswordPolicy(options: { pwned?: PwnedFile } = {}): PasswordPolicy {
  const common = loadCommonPasswords();
  return {
    async check(password, email, field) {
      if (tooSimilarToEmail(password, email)) {
        throw new AppError("password_too_similar", "The password must not be or contain your email address", {
          errors: [{ path: field, message: "Must not be or contain the part of your email address before the @" }],
        });
      }
      if (common.has(password.toLowerCase()) || await options.pwned?.contains(password)) {
        throw new AppError("password_breached", "This password is too common or appeared in a data breach", {
          errors: [{ path: field, message: "Too common or known from a data breach; choose another one" }],
        });
      }
    },
  };
}

/**
 * Opens PWNED_PASSWORDS_FILE when it is set. A missing or invalid file stops production with
 * one `config error` line (ConfigError); development warns and runs without it.
 */
export async function openConfiguredPwnedFile(config: Config, logger: Logger): Promise<PwnedFile | undefined> {
  const path = config.pwnedPasswordsFile;
  if (!path) return undefined;
  try {
    return await openPwnedFile(path);
  } catch (error) {
    if (!(error instanceof PwnedFileError)) throw error;
    const line = `PWNED_PASSWORDS_FILE ${path}: ${error.message} (build it with deno task pwned:build SRC OUT)`;
    if (config.environment === "production") throw new ConfigError([line]);
    logger.warn(`${line}; breached passwords are not checked`);
    return undefined;
  }
}
