import { SaturatedError, WorkLimiter } from "../work-limiter.ts";
import { AppError } from "../../../errors.ts";
import { utf8Length } from "../../../encoding.ts";
import { NOOP_OBSERVER, type Observer, type PasswordOperation } from "../../../observer.ts";
import { withSpan } from "../../../tracing.ts";

/** bcrypt reads at most 72 bytes (of the NFKC form); longer passwords are refused rather than silently truncated. */
export const MAX_PASSWORD_BYTES = 72;
/** In characters (code points) of the NFKC form */
export const MIN_PASSWORD_LENGTH = 8;
/** In UTF-16 code units as typed: a cheap bound checked before anything else reads the password */
export const MAX_PASSWORD_LENGTH = 128;

/**
 * The form of a password that is hashed, compared and measured: Unicode NFKC (NIST SP 800-63B
 * §5.1.1.2), so a password typed as composed or decomposed characters, or with fullwidth forms
 * from an East Asian keyboard, is one password, and a fullwidth "ｐａｓｓｗｏｒｄ" is the common
 * password it looks like.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Length in characters (code points, not UTF-16 units) of the normalised form. */
export function passwordLength(password: string): number {
  let length = 0;
  for (const _ of normalizePassword(password)) length++;
  return length;
}

const SATURATED_RETRY_AFTER_SECONDS = 2;

// Loaded on first use: the native addon needs --allow-ffi, which generating the spec does not have
function bcrypt() {
  return import("@node-rs/bcrypt");
}

async function bcryptHash(password: string, cost: number): Promise<string> {
  return await (await bcrypt()).hash(password, cost);
}

async function bcryptVerify(password: string, passwordHash: string): Promise<boolean> {
  return await (await bcrypt()).verify(password, passwordHash);
}

/** What checking a password against a stored hash found. */
export interface PasswordMatch {
  matches: boolean;
  /**
   * The hash was made from the password as typed, before passwords were normalised: the
   * caller stores a new hash of it (hash() normalises) so the next check needs one bcrypt run
   */
  legacy: boolean;
}

/** Hashes and verifies passwords with bcrypt, off the event loop and with bounded concurrency. */
export interface PasswordHasher {
  /** Hashes the password's normalised form */
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches `passwordHash`. Without a hash (unknown account) it still
   * runs one bcrypt verification against a dummy hash, so both paths cost the same.
   */
  verify(password: string, passwordHash: string | undefined): Promise<boolean>;
  /**
   * As verify, and says whether the stored hash was made from the typed form. The normalised
   * form is tried first; when it fails and the typed form differs, the typed form is tried
   * too (against the dummy hash as well when there is no account), so what it costs depends
   * on the password alone, never on the account.
   */
  check(password: string, passwordHash: string | undefined): Promise<PasswordMatch>;
}

export interface PasswordHasherOptions {
  cost: number;
  /** bcrypt computations at once; defaults to the number of cores */
  concurrency?: number;
  /** computations allowed to wait; beyond it callers get 503 service_unavailable */
  maxQueue?: number;
  /** Where queue depth, refusals and computation times are reported */
  observer?: Observer;
}

/**
 * Builds the hasher. bcrypt runs on @node-rs/bcrypt's thread pool, but each hash still
 * holds a core for a few hundred milliseconds at production cost: the limiter keeps a
 * sign-in flood from taking every core (and the event loop's share of them) away from
 * cheap routes, and refuses the excess quickly.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const cores = navigator.hardwareConcurrency || 2;
  const limiter = new WorkLimiter(options.concurrency ?? cores, options.maxQueue ?? cores * 16);
  const observer = options.observer ?? NOOP_OBSERVER;
  let dummyHash: Promise<string> | undefined;

  /** One bcrypt computation in a span of its own, timed for the metrics */
  function measured<T>(operation: PasswordOperation, task: () => Promise<T>): () => Promise<T> {
    return () =>
      withSpan(`bcrypt.${operation}`, { "bcrypt.cost": options.cost }, async () => {
        const started = performance.now();
        try {
          return await task();
        } finally {
          observer.passwordHashed(operation, (performance.now() - started) / 1000);
        }
      });
  }

  async function limited<T>(operation: PasswordOperation, task: () => Promise<T>): Promise<T> {
    const running = limiter.run(measured(operation, task));
    observer.passwordQueueDepth(limiter.load);
    try {
      return await running;
    } catch (error) {
      if (!(error instanceof SaturatedError)) throw error;
      observer.passwordRejected();
      throw new AppError("service_unavailable", "Too many password checks are in progress, retry shortly", {
        cause: error,
        headers: { "Retry-After": String(SATURATED_RETRY_AFTER_SECONDS) },
      });
    } finally {
      observer.passwordQueueDepth(limiter.load);
    }
  }

  function dummy(): Promise<string> {
    // Same cost as real hashes, so the unknown-account path takes as long as a wrong password
    dummyHash ??= bcryptHash(crypto.randomUUID(), options.cost).catch((error) => {
      dummyHash = undefined;
      throw error;
    });
    return dummyHash;
  }

  async function verifyOne(candidate: string, passwordHash: string | undefined): Promise<boolean> {
    const matches = await limited("verify", async () => await bcryptVerify(candidate, passwordHash ?? await dummy()));
    // bcrypt ignores bytes past 72: a longer candidate must never match a stored prefix
    return matches && passwordHash !== undefined && utf8Length(candidate) <= MAX_PASSWORD_BYTES;
  }

  async function check(password: string, passwordHash: string | undefined): Promise<PasswordMatch> {
    const normalized = normalizePassword(password);
    if (await verifyOne(normalized, passwordHash)) return { matches: true, legacy: false };
    if (normalized === password) return { matches: false, legacy: false };
    const matches = await verifyOne(password, passwordHash);
    return { matches, legacy: matches };
  }

  return {
    hash(password) {
      return limited("hash", () => bcryptHash(normalizePassword(password), options.cost));
    },
    async verify(password, passwordHash) {
      return (await check(password, passwordHash)).matches;
    },
    check,
  };
}
