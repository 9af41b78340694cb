/**
 * Load on the routes that answer before their work (resend, request-password-reset,
 * change-email) is shed before anything is accepted, with 429 and Retry-After; a request that
 * got its 202 always has its work done. A full queue moves a metric, not the error log.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { accountsApp, accountsBackends } from "./_helpers.ts";
import { uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();
const METRICS_TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";
/** More requests than the queue holds (2 running and 256 waiting by default) */
const FLOOD = 300;

Deno.test("POST /auth/resend-email-verification-otp: a flood past the after-answer queue gets 429 with Retry-After, never 503, and every 202's work is done", async () => {
  const app = await accountsApp(database, smtp, { env: { METRICS_TOKEN } });
  let release = () => {};
  let held: Promise<unknown> = Promise.resolve();
  try {
    const email = uniqueEmail("flood");
    assertEquals((await postJson(app, "/auth/signup", { email, password: "correct horse battery" })).status, 201);
    await app.deps.accounts.settled();

    // Hold the account's row, so every queued task waits on it (on PGlite, the only connection)
    const locked = Promise.withResolvers<void>();
    const gate = new Promise<void>((resolve) => release = resolve);
    held = database.db.transaction().execute(async (trx) => {
      await trx.selectFrom("users").select("id").where("email_normalized", "=", email).forUpdate().execute();
      locked.resolve();
      await gate;
    });
    await locked.promise;

    const responses = await Promise.all(
      Array.from({ length: FLOOD }, () => postJson(app, "/auth/resend-email-verification-otp", { email })),
    );
    const statuses = responses.map((response) => response.status);
    assertEquals(statuses.filter((status) => status !== 202 && status !== 429), [], "only 202 and 429");
    const shed = responses.filter((response) => response.status === 429);
    assert(shed.length > 0, "the flood filled the queue");
    for (const response of shed) {
      assertEquals(response.headers.get("Retry-After"), "2");
      const body = await response.json();
      assertEquals([body.code, body.retry_after], ["rate_limited", 2]);
    }
    const accepted = statuses.filter((status) => status === 202).length;
    for (const response of responses) if (!response.bodyUsed) await response.body?.cancel();

    release();
    await held;
    await app.deps.accounts.settled();
    const user = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    const recorded = await database.db.selectFrom("security_events").select((eb) => eb.fn.countAll<string>().as("n"))
      .where("user_id", "=", user.id).where("type", "=", "email_verification_requested").executeTakeFirstOrThrow();
    assertEquals(Number(recorded.n), accepted, "every accepted request did its work");

    const metrics = await app.app.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await metrics.text();
    assert(
      text.includes(`after_answer_shed_total{task="resend-email-verification-otp"} ${shed.length}\n`),
      text.split("\n").filter((line) => line.startsWith("after_answer")).join("\n"),
    );
    assert(text.includes("after_answer_queue_depth 0\n"), "the queue drained");
    const errors = app.logger.lines.filter((line) => line.level === "error");
    assertEquals(errors, [], "a full queue is not an error");
  } finally {
    release();
    await held.catch(() => {});
    await app.close();
  }
});
