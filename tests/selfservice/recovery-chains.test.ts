/**
 * The two hijacks an outside review replayed, end to end over HTTP with the mails read from the
 * outbox (delivered to a real SMTP peer): a thief holding the password and a session moves the
 * account away, the owner takes it back with the revert link mailed to the original address, and
 * nothing the thief collected on the way opens the account again. Each chain runs on one instance
 * and on two instances sharing the database and the revocation cache (the thief's requests on
 * the second, the owner's on the first).
 */
import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import type { TokenPair } from "../../src/services/identity.ts";
import { assertEquals } from "../helpers/assert.ts";
import { otpOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, signIn, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { mailWithSubject, moveAccount, SUBJECTS, tokenIn } from "./_helpers.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";

const { database, smtp } = await accountsBackends();
const ENV = { RATE_LIMIT_SENSITIVE_PER_MINUTE: "10000", RATE_LIMIT_GENERAL_PER_MINUTE: "10000" };
const THIEF_PASSWORD = "the thief's own passphrase";
const OWNER_PASSWORD = "the owner's fresh passphrase";

/** Where the owner's and the thief's requests go: one app, or two instances of one deployment. */
interface Deployment {
  owner: AccountsApp;
  thief: AccountsApp;
  close(): Promise<void>;
}

async function oneInstance(): Promise<Deployment> {
  const app = await accountsApp(database, smtp, { env: ENV });
  return { owner: app, thief: app, close: () => app.close() };
}

async function twoInstances(): Promise<Deployment> {
  const cache = createTestCache(createLogger({ level: "error" }));
  const clock = new ManualClock();
  const owner = await accountsApp(database, smtp, { env: ENV, clock, revocationCache: cache.cache });
  const thief = await accountsApp(database, smtp, { env: ENV, clock, revocationCache: cache.connect() });
  return {
    owner,
    thief,
    async close() {
      await owner.close();
      await thief.close();
      await cache.close();
    },
  };
}

/** The thief signs in with the stolen password and replaces it with one of his own. */
async function thiefTakesOver(app: AccountsApp, email: string): Promise<TokenPair> {
  const stolen = await signIn(app, email);
  const changed = await postAs(app, "/auth/change-password", stolen.access_token, {
    current_password: PASSWORD,
    new_password: THIEF_PASSWORD,
  });
  assertEquals(changed.status, 200);
  return await changed.json();
}

/** The owner reverts with the token mailed to `own`, resets with the link mailed there, signs in. */
async function ownerTakesBack(app: AccountsApp, own: string, revertToken: string): Promise<TokenPair> {
  const reverted = await postJson(app, "/auth/revert-email-change", { token: revertToken });
  assertEquals(reverted.status, 200, await reverted.clone().text());
  await reverted.body?.cancel();
  const token = tokenIn(await mailWithSubject(app, smtp, own, SUBJECTS.reset), "reset");
  assertEquals(await statusOf(postJson(app, "/auth/reset-password", { token, new_password: OWNER_PASSWORD })), 200);
  return await signIn(app, own, OWNER_PASSWORD);
}

async function assertCode(response: Promise<Response>, status: number, code: string, what: string) {
  const settled = await response;
  assertEquals([settled.status, (await settled.json()).code], [status, code], what);
}

/** Every way back the thief still holds is refused, on his instance and on the owner's. */
async function assertThiefLockedOut(
  { owner, thief }: Deployment,
  pairs: TokenPair[],
  addresses: string[],
): Promise<void> {
  for (const app of [thief, owner]) {
    for (const pair of pairs) {
      assertEquals(await statusOf(getMe(app, pair.access_token)), 401, "the thief's access token");
      assertEquals(await statusOf(refresh(app, pair.refresh_token)), 401, "the thief's refresh token");
    }
    for (const email of addresses) {
      for (const password of [THIEF_PASSWORD, PASSWORD]) {
        await assertCode(postJson(app, "/auth/signin", { email, password }), 401, "invalid_credentials", email);
      }
    }
  }
}

/** The owner is in, at the original address, on both instances. */
async function assertOwnerIn({ owner, thief }: Deployment, pair: TokenPair, own: string): Promise<void> {
  for (const app of [owner, thief]) {
    const me = await getMe(app, pair.access_token);
    assertEquals([me.status, (await me.json()).email], [200, own]);
  }
}

/**
 * Chain (a): own → a1 → a2. The owner reverts with the link mailed to own and resets; the revert
 * token mailed to a1, the reset mailed to a2 and the code of a pending move to a3 stay dead.
 */
async function replayChainA(deployment: Deployment): Promise<void> {
  const { owner, thief } = deployment;
  const { email: own } = await signedInAccount(owner, { label: "owner-a" });
  const [a1, a2, a3] = [uniqueEmail("thief-a1"), uniqueEmail("thief-a2"), uniqueEmail("thief-a3")];
  const thiefs = await thiefTakesOver(thief, own);
  const ownersRevert = await moveAccount(thief, smtp, thiefs.access_token, {
    oldEmail: own,
    newEmail: a1,
    password: THIEF_PASSWORD,
  });
  const thiefsRevert = await moveAccount(thief, smtp, thiefs.access_token, {
    oldEmail: a1,
    newEmail: a2,
    password: THIEF_PASSWORD,
  });
  assertEquals(await statusOf(postJson(thief, "/auth/request-password-reset", { email: a2 })), 202);
  const thiefsReset = tokenIn(await mailWithSubject(thief, smtp, a2, SUBJECTS.reset), "reset");
  assertEquals(
    await statusOf(postAs(thief, "/auth/change-email", thiefs.access_token, {
      current_password: THIEF_PASSWORD,
      new_email: a3,
    })),
    202,
  );
  const thiefsCode = otpOf(await mailWithSubject(thief, smtp, a3, SUBJECTS.code));

  const owners = await ownerTakesBack(owner, own, ownersRevert);

  await assertCode(
    postJson(thief, "/auth/revert-email-change", { token: thiefsRevert }),
    400,
    "invalid_account_token",
    "the revert token mailed to a1",
  );
  await assertCode(
    postJson(thief, "/auth/reset-password", { token: thiefsReset, new_password: "the thief tries again" }),
    400,
    "invalid_reset_token",
    "the reset mailed to a2",
  );
  await assertCode(
    postAs(thief, "/auth/confirm-email-change", thiefs.access_token, { otp: thiefsCode }),
    401,
    "invalid_token",
    "the code of the move to a3",
  );
  await assertThiefLockedOut(deployment, [thiefs], [own, a1, a2, a3]);
  await assertOwnerIn(deployment, owners, own);
}

/**
 * Chain (b): own → thief, then the thief deletes the account. The owner is told at own, reverts
 * (which keeps the account) and resets; the cancel token mailed to the thief stays dead.
 */
async function replayChainB(deployment: Deployment): Promise<void> {
  const { owner, thief } = deployment;
  const { email: own } = await signedInAccount(owner, { label: "owner-b" });
  const taken = uniqueEmail("thief-b");
  const thiefs = await thiefTakesOver(thief, own);
  const ownersRevert = await moveAccount(thief, smtp, thiefs.access_token, {
    oldEmail: own,
    newEmail: taken,
    password: THIEF_PASSWORD,
  });
  const deleted = await postAs(thief, "/auth/delete-account", thiefs.access_token, {
    current_password: THIEF_PASSWORD,
  });
  assertEquals(deleted.status, 202);
  await deleted.body?.cancel();
  const thiefsCancel = tokenIn(await mailWithSubject(thief, smtp, taken, SUBJECTS.deletion), "cancel");
  // The owner hears of it at the address the revert token restores
  tokenIn(await mailWithSubject(owner, smtp, own, SUBJECTS.deletion), "cancel");

  const owners = await ownerTakesBack(owner, own, ownersRevert);

  await assertCode(
    postJson(thief, "/auth/cancel-account-deletion", { token: thiefsCancel }),
    400,
    "invalid_account_token",
    "the cancel token mailed to the thief",
  );
  await assertThiefLockedOut(deployment, [thiefs], [own, taken]);
  await assertOwnerIn(deployment, owners, own);
}

for (const [name, deploy] of [["one instance", oneInstance], ["two instances", twoInstances]] as const) {
  Deno.test(`POST /auth/revert-email-change: chain own → a1 → a2, the owner reverts and resets, every token the thief kept is refused (${name})`, async () => {
    const deployment = await deploy();
    try {
      await replayChainA(deployment);
    } finally {
      await deployment.close();
    }
  });

  Deno.test(`POST /auth/revert-email-change: the thief moves the account and deletes it, the owner's revert keeps it and the thief's cancel token is refused (${name})`, async () => {
    const deployment = await deploy();
    try {
      await replayChainB(deployment);
    } finally {
      await deployment.close();
    }
  });
}
