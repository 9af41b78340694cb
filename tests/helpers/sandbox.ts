import { type Clock, systemClock } from "../../src/clock.ts";
import { startMail } from "../../src/mail/mail-runtime.ts";
import { createTestApp, memoryLogger, type TestApp, testConfig } from "./app.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type LiveServer, serveLive } from "./live.ts";

/** Per-minute limits no flow reaches; the security_test tier keeps its 2 so a 429 is one call away. */
export const SANDBOX_LIMITS = {
  RATE_LIMIT_AUTH_PER_MINUTE: "10000",
  RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "10000",
  RATE_LIMIT_GENERAL_PER_MINUTE: "10000",
  RATE_LIMIT_PUBLIC_PER_MINUTE: "10000",
};

export interface Sandbox extends LiveServer {
  app: TestApp;
  close(): Promise<void>;
}

/**
 * The development sandbox a tester or an SDK meets: a live server on a random port with
 * the outbox worker delivering mail to GET /dev/outbox, as `deno task dev` runs it. On its own
 * database unless `options.database` names one (left open).
 */
export async function startSandbox(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; clock?: Clock } = {},
): Promise<Sandbox> {
  const database = options.database ?? await createTestDatabase();
  // One clock for the app and the mail worker: mail queued at a moved time is still due at once
  const clock = options.clock ?? systemClock;
  const mail = startMail(testConfig({ ...SANDBOX_LIMITS, ...env }), database, clock, memoryLogger(), {
    intervalMs: 50,
  });
  const app = await createTestApp({
    database,
    clock,
    env: { ...SANDBOX_LIMITS, ...env },
    deps: { devOutbox: mail.devOutbox },
  });
  const live = serveLive(app);
  return {
    app,
    url: live.url,
    async close() {
      await live.close();
      await mail.close();
      await app.close();
      if (!options.database) await database.close();
    },
  };
}
