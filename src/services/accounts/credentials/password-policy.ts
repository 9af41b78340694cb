/**
 * The password policy, in one place for sign-up, reset and change-password. The length rules
 * live in the request schemas (they need no account); this adds what needs the address or a
 * list: not the address's local part, not a common password, not a breached one, not one a
 * strength estimator finds easy to guess. Every rule reads the password in its NFKC form, the
 * form that is hashed. Everything it reads ships with the service or sits on local disk: it
 * works air-gapped.
 * @module
 */
import { dictionary } from "@zxcvbn-ts/language-common";
import { type Config, ConfigError } from "../../../config.ts";
import type { Logger } from "../../../logger.ts";
import { AppError } from "../../../errors.ts";
import { openPwnedFile, type PwnedFile, PwnedFileError } from "./pwned-file.ts";
import { estimateStrength, MIN_GUESSES_LOG10, SERVICE_WORDS, type StrengthEstimate } from "./password-strength.ts";
import { normalizePassword } from "./passwords.ts";

/** A local part this long or longer is refused inside a password too, not only as the whole password. */
const MIN_CONTAINED_LOCAL_PART = 4;

export interface PasswordPolicy {
  /**
   * Resolves when `password` may be set for `email` (and the account's `name`, when it has
   * one); otherwise throws 422 `password_too_similar`, `password_breached` or
   * `password_too_weak` naming `field` in `errors`.
   */
  check(password: string, email: string, field: string, name?: string | null): Promise<void>;
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
    async check(typed, email, field, name) {
      const password = normalizePassword(typed);
      if (tooSimilarToEmail(password, email)) {
        throw new AppError("password_too_similar", "The password must not be or contain your email address", {
          errors: [{ path: field, message: "Must not be or contain the part of your email address before the @" }],
        });
      }
      if (common.has(password.toLowerCase()) || await isBreached(options.pwned, password, typed)) {
        throw new AppError("password_breached", "This password is too common or appeared in a data breach", {
          errors: [{ path: field, message: "Too common or known from a data breach; choose another one" }],
        });
      }
      const estimate = await weakestEstimate(password, userInputs(email, name));
      if (estimate.guessesLog10 < MIN_GUESSES_LOG10) {
        throw new AppError("password_too_weak", "This password is too easy to guess", {
          errors: [{ path: field, message: weaknessMessage(estimate.warning, estimate.suggestions) }],
        });
      }
    },
  };
}

/** The breach list holds passwords as typed: the typed form is looked up too when it differs. */
async function isBreached(pwned: PwnedFile | undefined, password: string, typed: string): Promise<boolean> {
  if (!pwned) return false;
  return await pwned.contains(password) || (typed !== password && await pwned.contains(typed));
}

/** A known word this long or longer adds nothing: the password must be strong without it. */
const MIN_STRIPPED_WORD = 4;

/**
 * The estimate of the password and, when it contains one of `words` (the service's name, the
 * address, the account's name), of what is left without them, whichever is weaker: the
 * estimator counts a known word as cheap but still counts it, so "Jessy2026!!" would pass on
 * its suffix alone.
 */
async function weakestEstimate(password: string, words: string[]): Promise<StrengthEstimate> {
  const estimate = await estimateStrength(password, words);
  const known = words.filter((word) => word.length >= MIN_STRIPPED_WORD).sort((a, b) => b.length - a.length);
  if (known.length === 0) return estimate;
  const pattern = new RegExp(known.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "giu");
  const rest = password.replace(pattern, "");
  if (rest === password) return estimate;
  const without = await estimateStrength(rest, words);
  return without.guessesLog10 < estimate.guessesLog10
    ? { ...without, warning: without.warning || "There should not be any personal or page related data" }
    : estimate;
}

/** What the account and the service are called: words an attacker tries first. */
function userInputs(email: string, name?: string | null): string[] {
  const local = email.trim().toLowerCase().split("@")[0];
  const words = [local, ...local.split(/[^\p{L}\p{N}]+/u), ...SERVICE_WORDS];
  if (name) words.push(normalizePassword(name).toLowerCase(), ...name.toLowerCase().split(/\s+/));
  return words.filter((word) => word.length >= 2);
}

/** The estimator's warning and first suggestion, as one sentence-case message without a trailing period. */
function weaknessMessage(warning: string, suggestions: string[]): string {
  const parts = [warning, suggestions[0] ?? ""]
    .map((part) => part.trim().replace(/\.$/, ""))
    .filter(Boolean)
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1));
  return `Too easy to guess: ${parts.length > 0 ? parts.join("; ") : "add more words that are less common"}`;
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
