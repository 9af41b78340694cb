import { ManualClock } from "../../src/clock.ts";
import { startMail } from "../../src/mail/mail-runtime.ts";
import { mailerProbe } from "../../src/mail/mailer-probe.ts";
import { createSmtpMailer } from "../../src/mail/smtp-mailer.ts";
import { passwordChangedMail, passwordResetMail } from "../../src/mail/templates.ts";
import { NO_RATE_LIMITS } from "../accounts/_helpers.ts";
import { uniqueEmail } from "../helpers/accounts.ts";
import { createTestApp, testConfig } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { startSmtpPeer } from "../helpers/smtp.ts";
import { PRODUCTION_ENV } from "../helpers/env.ts";

const database = await createTestDatabase();
const WORKER_INTERVAL_MS = 10;

Deno.test.afterAll(async () => {
  await database.close();
});

Deno.test("without SMTP, development delivers into /dev/outbox and a tester can finish sign-up and reset from it", async () => {
  const config = testConfig(NO_RATE_LIMITS);
  const clock = new ManualClock();
  const test = await createTestApp({ database, clock, env: NO_RATE_LIMITS });
  const mail = startMail(config, database, clock, test.logger, { intervalMs: WORKER_INTERVAL_MS });
  const app = await createTestApp({
    database,
    clock,
    env: NO_RATE_LIMITS,
    deps: { devOutbox: mail.devOutbox },
  });
  try {
    assert(mail.devOutbox, "development has an outbox");
    assertEquals(mail.mailer.kind, "outbox");
    const email = uniqueEmail("tester");
    await app.request("/auth/signup", jsonBody({ email, password: "correct horse battery" }));
    const otp = await tickUntil(clock, async () => (await outbox(app)).find((m) => m.to === email)?.otp);
    assertMatch(otp, /^\d{6}$/);
    assertEquals((await app.request("/auth/verify-email", jsonBody({ email, otp }))).status, 200);

    await app.request("/auth/request-password-reset", jsonBody({ email }));
    const token = await tickUntil(clock, async () => (await outbox(app)).find((m) => m.to === email)?.reset_token);
    const messages = await outbox(app);
    assertEquals(messages[0].reset_token, token, "newest first");
    assertEquals(messages[0].subject, "Reset your Jessy AI password");
    const reset = await app.request("/auth/reset-password", jsonBody({ token, new_password: "a new passphrase" }));
    assertEquals(reset.status, 200);
  } finally {
    await mail.close();
    await app.close();
    await test.close();
  }
});

Deno.test("GET /dev/outbox does not exist in production", async () => {
  const prod = await createTestApp({
    database,
    env: {
      ...PRODUCTION_ENV,
    },
  });
  try {
    const response = await prod.request("/dev/outbox");
    assertEquals(response.status, 404);
    await response.body?.cancel();
    const spec = await (await prod.request("/openapi.json")).json();
    assert(!("/dev/outbox" in spec.paths), "nor in the production document");
  } finally {
    await prod.close();
  }
});

Deno.test("the mailer check is up with a reachable SMTP server, degraded (not down) without one, and cached", async () => {
  const peer = await startSmtpPeer();
  const up = createSmtpMailer({ host: "127.0.0.1", port: peer.port, from: "noreply@jessy-ai.com" });
  const clock = new ManualClock();
  try {
    const probe = mailerProbe(up, { clock, cacheMs: 30_000 });
    const first = await probe();
    assertEquals([first.status, first.detail], ["up", "smtp"]);
    await peer.close();
    clock.advance(29_999);
    assertEquals((await probe()).status, "up", "cached within 30 s");
    clock.advance(1);
    const second = await probe();
    assertEquals([second.status, second.detail], ["degraded", "smtp"]);
    assert(!JSON.stringify(second).includes("127.0.0.1"), "no host in the report");
  } finally {
    up.close();
  }
});

Deno.test("mail templates escape user-supplied text in the HTML part", () => {
  const name = `<img src=x onerror="alert(1)">&`;
  for (
    const mail of [
      passwordResetMail("a@example.com", name, "https://api.jessy-ai.com/reset-password?token=a&b", "tok"),
      passwordChangedMail("a@example.com", name),
    ]
  ) {
    assert(!mail.html.includes("<img"), mail.template);
    assert(mail.html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"), mail.template);
    assert(mail.text.includes(name), "the text part is plain text");
  }
});

async function outbox(app: Awaited<ReturnType<typeof createTestApp>>) {
  const response = await app.request("/dev/outbox");
  assertEquals(response.status, 200);
  return (await response.json()).messages as Array<
    { to: string; subject: string; otp?: string; reset_token?: string }
  >;
}

/** Moves `clock` a worker interval at a time, letting its poll (real I/O) run, until `read` finds something. */
async function tickUntil<T>(clock: ManualClock, read: () => Promise<T | undefined>, intervals = 500): Promise<T> {
  for (let i = 0; i < intervals; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await clock.tick(WORKER_INTERVAL_MS);
  }
  throw new Error(`Nothing within ${intervals} worker intervals`);
}
