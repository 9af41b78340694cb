import { createApp } from "../app.ts";
import type { AppDeps } from "../deps.ts";
import { loadConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import { createLogger } from "../logger.ts";
import { systemClock } from "../clock.ts";
import { createPasswordHasher } from "../services/accounts/passwords.ts";
import { createRateLimiter } from "../ratelimit/mod.ts";

export const SPEC_PATH = "openapi/openapi.json";

/** The committed document: generated with the default development configuration. */
export async function renderSpec(): Promise<string> {
  const { config } = loadConfig({});
  // The document needs the routes only; no request reaches this database
  const unusedDatabase = {} as Database;
  const rateLimiter = createRateLimiter({ timeoutMs: config.rateLimit.timeoutMs, clock: systemClock, log: () => {} });
  const app = createApp({
    config,
    logger: createLogger({ level: "error" }),
    clock: systemClock,
    database: unusedDatabase,
    rateLimiter,
    probes: {},
    features: {},
    passwords: createPasswordHasher({ cost: config.bcryptCost }),
  } as unknown as AppDeps);
  try {
    const response = await app.request("/openapi.json");
    return JSON.stringify(await response.json(), null, 2) + "\n";
  } finally {
    await rateLimiter.close();
  }
}

/** Writes openapi/openapi.json, or with `check` reports whether it is up to date. */
export async function writeOrCheckSpec(options: { check: boolean }): Promise<boolean> {
  const rendered = await renderSpec();
  if (!options.check) {
    await Deno.writeTextFile(SPEC_PATH, rendered);
    console.log(`wrote ${SPEC_PATH}`);
    return true;
  }
  const committed = await Deno.readTextFile(SPEC_PATH).catch(() => "");
  if (committed === rendered) {
    console.log(`${SPEC_PATH} is up to date`);
    return true;
  }
  console.error(`${SPEC_PATH} differs from the code: run \`deno task openapi\` and commit the result`);
  return false;
}
