/**
 * Accounts as tests make them: through the public API (sign-up, the mailed code, sign-in) on
 * an app in-process or a running server, or written straight to the database when the test's
 * subject starts after sign-up.
 * @module
 */
import type { Kysely } from "kysely";
import type { DB, UserRow } from "../../src/db/schema.ts";
import type { AppDeps } from "../../src/deps.ts";
import { insertUserIfAbsent } from "../../src/repositories/users.ts";
import type { PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import type { TokenPair } from "../../src/services/identity.ts";
import { type Api, postJson, serverAt } from "./http.ts";
import { otpOf, resetTokenOf } from "./smtp.ts";
import { until } from "./until.ts";

/** The password every account a test makes signs up with, unless it says otherwise. */
export const PASSWORD = "correct horse battery";

let counter = 0;

/** A unique address per call, so tests can share one database. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}@example.com`;
}

/** A mail the service sent, as far as tests read it. */
export interface Mail {
  subject: string;
  text: string;
}

/**
 * Where a test reads the mail the service sent: the SMTP peer behind an `AccountsApp`
 * (tests/accounts/_helpers.ts), or a running server's development outbox (`runningServer`).
 */
export interface Mailbox {
  /** The mail sent to `address` so far, oldest first (due mail is delivered first) */
  mailTo(address: string): Promise<Mail[]>;
}

/** A running server: its API over HTTP and its mail from GET /dev/outbox (development only). */
export function runningServer(baseUrl: string): Api & Mailbox {
  const api = serverAt(baseUrl);
  return {
    ...api,
    async mailTo(address) {
      const response = await api.request("/dev/outbox?limit=100");
      if (!response.ok) throw new Error(`GET /dev/outbox answered ${response.status}: ${await response.text()}`);
      const { messages } = await response.json() as { messages: Array<Mail & { to: string }> };
      // The outbox lists the newest first
      return messages.filter((message) => message.to === address).reverse();
    },
  };
}

/** The newest mail to `address` that `pick` reads something from, and what it read; waits for it. */
async function newestMailed(mailbox: Mailbox, address: string, pick: (mail: Mail) => string, what: string) {
  let found: string | undefined;
  // Real time: mail crosses a real SMTP connection, or a server in another process sends it
  await until(async () => {
    const readable = (await mailbox.mailTo(address)).flatMap((mail) => {
      try {
        return [pick(mail)];
      } catch {
        return [];
      }
    });
    found = readable.at(-1);
    return found !== undefined;
  }, { timeout: 15_000, interval: 50, what: `${what} mailed to ${address}` });
  return found!;
}

/** The newest verification code mailed to `address` (sign-up, resend, change of address). */
export function mailedCode(mailbox: Mailbox, address: string): Promise<string> {
  return newestMailed(mailbox, address, (mail) => otpOf(mail), "a code");
}

/** The newest password reset token mailed to `address`, from its link. */
export function mailedResetToken(mailbox: Mailbox, address: string): Promise<string> {
  return newestMailed(mailbox, address, (mail) => resetTokenOf(mail), "a reset token");
}

/** An account's address and password. */
export interface Account {
  email: string;
  password: string;
}

/** Signs up and verifies with the mailed code (POST /auth/signup, POST /auth/verify-email); no sign-in. */
export async function verifiedAccount(
  client: Api & Mailbox,
  options: { label?: string; password?: string } = {},
): Promise<Account> {
  const email = uniqueEmail(options.label);
  const password = options.password ?? PASSWORD;
  const signup = await postJson(client, "/auth/signup", { email, password });
  if (signup.status !== 201) throw new Error(`POST /auth/signup answered ${signup.status}: ${await signup.text()}`);
  await signup.body?.cancel();
  const otp = await mailedCode(client, email);
  const verify = await postJson(client, "/auth/verify-email", { email, otp });
  if (verify.status !== 200) {
    throw new Error(`POST /auth/verify-email answered ${verify.status}: ${await verify.text()}`);
  }
  await verify.body?.cancel();
  return { email, password };
}

/** Signs in (POST /auth/signin) and returns the pair; fails unless the answer is 200. */
export async function signIn(api: Api, email: string, password = PASSWORD): Promise<TokenPair> {
  const response = await postJson(api, "/auth/signin", { email, password });
  if (response.status !== 200) {
    throw new Error(`POST /auth/signin answered ${response.status}: ${await response.text()}`);
  }
  return await response.json();
}

/** A verified account, signed in once: its first pair of tokens. */
export async function signedInAccount(
  client: Api & Mailbox,
  options: { label?: string; password?: string } = {},
): Promise<Account & { tokens: TokenPair }> {
  const account = await verifiedAccount(client, options);
  return { ...account, tokens: await signIn(client, account.email, account.password) };
}

/** Starts a session for `user` on a new device, in-process (no sign-in request): its first pair. */
export function newSession(
  testApp: { deps: AppDeps },
  user: UserRow,
  userAgent = "TestDevice/1.0",
): Promise<TokenPair> {
  return testApp.deps.sessions.startSession(user, { ip: "198.51.100.1", userAgent, requestId: null });
}

/**
 * A user row written straight to the database, for tests whose subject starts after sign-up.
 * With `passwords`, its hash is PASSWORD's (at the app's cost); without, a hash nothing matches.
 */
export async function insertedUser(
  db: Kysely<DB>,
  label = "user",
  options: { passwords?: PasswordHasher; verified?: boolean } = {},
): Promise<UserRow> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const user = await insertUserIfAbsent(db, {
    email,
    email_normalized: email,
    name: label,
    password_hash: options.passwords ? await options.passwords.hash(PASSWORD) : "not-a-real-hash",
    ...(options.verified === undefined ? {} : { email_verified: options.verified }),
    created_at: new Date(),
    updated_at: new Date(),
  });
  if (!user) throw new Error("user already exists");
  return user;
}
