import { createMailWorker } from "../../src/mail/outbox-worker.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";
import { postJson } from "../helpers/http.ts";

const { database, smtp } = await accountsBackends();

Deno.test("a mail resent after a crash mid-send keeps its Message-ID <row-id@sender domain>", async () => {
  const app = await accountsApp(database, smtp);
  // Hands the mail to the server, then fails as a worker killed before it could record the send
  let crashes = 1;
  const crashingMailer: Mailer = {
    ...app.mailer,
    async send(message, id) {
      await app.mailer.send(message, id);
      if (crashes-- > 0) throw new Error("worker died after the server accepted the mail");
    },
  };
  const worker = createMailWorker({ db: database.db, mailer: crashingMailer, clock: app.clock, logger: app.logger });
  try {
    await app.deliverMail();
    const email = uniqueEmail("message-id");
    assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
    assertEquals(await worker.runOnce(), 0);
    app.clock.advance(3_600_000);
    assertEquals(await worker.runOnce(), 1);
    const mails = await smtp.waitForMail(email, 2);
    const [row] = await database.db.selectFrom("mail_outbox").select("id").where("to_address", "=", email).execute();
    assertEquals(mails.map((mail) => mail.messageId), [`<${row.id}@jessy-ai.com>`, `<${row.id}@jessy-ai.com>`]);
    assertMatch(mails[0].messageId!, /^<[0-9a-f-]{36}@jessy-ai\.com>$/);
  } finally {
    await worker.stop();
    await app.close();
  }
});
