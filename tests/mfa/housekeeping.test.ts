import { assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { memoryLogger } from "../helpers/app.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { startHousekeeping } from "../../src/services/housekeeping.ts";
import { TOTP_ENROLMENT_TTL_SECONDS } from "../../src/services/mfa/enrolment.ts";
import { codeNow, enrolledAccount, mfaToken, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const { db } = database;

async function rowsOf(userId: string) {
  const challenges = await db.selectFrom("mfa_challenges").select("id").where("user_id", "=", userId).execute();
  const factor = await db.selectFrom("totp_factors").select(["activated_at"]).where("user_id", "=", userId)
    .executeTakeFirst();
  return { challenges: challenges.length, factor: factor ? (factor.activated_at ? "on" : "pending") : "none" };
}

Deno.test("housekeeping deletes expired mfa challenges and unactivated enrolments past their time, in batches; factors that are on stay", async () => {
  const app = await accountsApp(database, smtp);
  const housekeeping = startHousekeeping({
    db,
    clock: app.clock,
    logger: memoryLogger(),
    intervalMs: 3_600_000,
    batchSize: 2,
    maxBatchesPerRun: 1,
  });
  try {
    // An account with a factor on and three sign-ins that waited for it, one of them finished
    const enrolled = await enrolledAccount(app, "sweep-on");
    const enrolledId = claimsOf(enrolled.tokens.access_token).sub as string;
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await mfaToken(app, enrolled.email, PASSWORD));
    const verified = await postJson(app, "/auth/mfa/verify", {
      mfa_token: tokens[0],
      code: codeNow(app, enrolled.secret),
    });
    assertEquals(verified.status, 200);
    await verified.body?.cancel();
    // An enrolment started and never finished
    const abandoned = await signedInAccount(app, { label: "sweep-abandoned" });
    const abandonedId = claimsOf(abandoned.tokens.access_token).sub as string;
    const started = await postAs(app, "/auth/mfa/totp", abandoned.tokens.access_token, {});
    assertEquals(started.status, 200);
    await started.body?.cancel();

    assertEquals(await rowsOf(enrolledId), { challenges: 3, factor: "on" });
    assertEquals(await rowsOf(abandonedId), { challenges: 0, factor: "pending" });
    const early = await housekeeping.runOnce();
    assertEquals([early.mfa_challenges, early.totp_factors], [0, 0], "nothing has expired yet");

    app.clock.advance((TOTP_ENROLMENT_TTL_SECONDS + 1) * 1000);
    // An enrolment started just now is still in its time
    const fresh = await signedInAccount(app, { label: "sweep-fresh" });
    const freshId = claimsOf(fresh.tokens.access_token).sub as string;
    const freshStart = await postAs(app, "/auth/mfa/totp", fresh.tokens.access_token, {});
    assertEquals(freshStart.status, 200);
    await freshStart.body?.cancel();

    // One batch of two per table and run: the third expired challenge waits for the next run
    const first = await housekeeping.runOnce();
    assertEquals([first.mfa_challenges, first.totp_factors], [2, 1]);
    const second = await housekeeping.runOnce();
    assertEquals([second.mfa_challenges, second.totp_factors], [1, 0]);

    assertEquals(await rowsOf(enrolledId), { challenges: 0, factor: "on" });
    assertEquals(await rowsOf(abandonedId), { challenges: 0, factor: "none" });
    assertEquals(await rowsOf(freshId), { challenges: 0, factor: "pending" });
    // The factor that is on still guards the next sign-in
    await mfaToken(app, enrolled.email, PASSWORD);
  } finally {
    await housekeeping.stop();
    await app.close();
  }
});
