/** The housekeeping sweep of a scale run: rows deleted per second, and what it does to GET /auth/me. */
import { HTTP_CONNECTIONS, LOAD_CPU } from "../load.ts";
import type { ServerProcess } from "../processes.ts";
import { runWrk, type WrkResult } from "../wrk.ts";
import type { HousekeepingFigures } from "./results.ts";
import { systemClock } from "../../../src/clock.ts";
import { createDatabase } from "../../../src/db/database.ts";
import { createLogger } from "../../../src/logger.ts";
import { startHousekeeping } from "../../../src/services/housekeeping.ts";

function loadMe(app: ServerProcess, tokensFile: string, seconds: number): Promise<WrkResult> {
  return runWrk({
    url: `${app.url}/auth/me`,
    scripts: ["bearer.lua"],
    scriptArgs: [tokensFile],
    connections: HTTP_CONNECTIONS,
    durationSeconds: seconds,
    cpus: LOAD_CPU,
  });
}

/**
 * The service's own housekeeping (runOnce, default batches) in a loop while GET /auth/me runs
 * at full load; rows per second over the time the sweep had rows to delete. /auth/me alone is
 * measured just before and just after, for as long: the sweep is compared with their mean, so
 * drift of the machine over the three runs moves both sides alike.
 */
export async function sweepUnderLoad(
  url: string,
  app: ServerProcess,
  tokensFile: string,
  seconds: number,
): Promise<HousekeepingFigures> {
  const database = await createDatabase({ url, poolSize: 2, statementTimeoutMs: 0 });
  const housekeeping = startHousekeeping({
    db: database.db,
    clock: systemClock,
    logger: createLogger({ level: "error", write: () => {} }),
    intervalMs: 86_400_000,
  });
  try {
    const before = await loadMe(app, tokensFile, seconds);
    let done = false;
    let rowsDeleted = 0;
    let sweepSeconds = 0;
    const load = loadMe(app, tokensFile, seconds).finally(() => done = true);
    const sweepStarted = performance.now();
    while (!done) {
      const report = await housekeeping.runOnce();
      const deleted = Object.values(report).reduce((sum, count) => sum + count, 0);
      rowsDeleted += deleted;
      if (deleted > 0) sweepSeconds = (performance.now() - sweepStarted) / 1000;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const during = await load;
    const after = await loadMe(app, tokensFile, seconds);
    const alone = { rps: (before.rps + after.rps) / 2, p99Ms: (before.p99Ms + after.p99Ms) / 2 };
    console.log(
      `  deleted ${rowsDeleted} rows in ${sweepSeconds.toFixed(1)} s; /auth/me p99 ${during.p99Ms.toFixed(1)} ms ` +
        `(alone: ${before.p99Ms.toFixed(1)} before, ${after.p99Ms.toFixed(1)} after)`,
    );
    return {
      rowsDeleted,
      sweepSeconds,
      rowsPerSecond: sweepSeconds > 0 ? rowsDeleted / sweepSeconds : 0,
      meDuring: { rps: during.rps, p99Ms: during.p99Ms },
      meAlone: alone,
    };
  } finally {
    await housekeeping.stop();
    await database.close();
  }
}
