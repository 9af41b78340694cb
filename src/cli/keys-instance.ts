import { systemClock } from "../clock.ts";
import type { Config } from "../config.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { assembleDeps, DEFAULT_REVOCATION_KEY_PREFIX } from "../deps.ts";
import { createLogger } from "../logger.ts";
import { openDatabase, openRedis } from "../runtime.ts";
import { cacheKeys } from "../services/revocation/cached-revocations.ts";
import type { CommandOutput } from "./output.ts";
import { runKeysCommand } from "./keys.ts";

const REDIS_READY_WAIT_MS = 5_000;

/**
 * Runs `keys <command>` against the database (and Redis) the configuration names, through
 * the same assembly a running instance uses. Returns the exit code.
 */
export async function runKeysOnInstance(
  args: string[],
  config: Config,
  output: CommandOutput,
  pgliteDataDir?: string,
): Promise<number> {
  const logger = createLogger({ level: "warn", write: output.err });
  const database = await openDatabase(config, pgliteDataDir);
  const redis = config.rateLimit.redisUrl ? openRedis(config.rateLimit.redisUrl, logger, systemClock) : undefined;
  try {
    if (config.environment === "development") await migrateToLatest(database.db);
    // A retirement or revocation must reach the shared cache: give the connection a moment to come up
    const announces = args[0] === "retire" || args[0] === "revoke";
    for (let waited = 0; redis && announces && !redis.client.isReady && waited < REDIS_READY_WAIT_MS;) {
      // Polls a connection made in the background by node-redis: real time
      await new Promise((resolve) => setTimeout(resolve, 50));
      waited += 50;
    }
    const assembly = assembleDeps({ config, logger, clock: systemClock, database, redis });
    try {
      return await runKeysCommand(args, {
        keys: assembly.deps.keys,
        signingAlg: config.jwt.signingAlg,
        out: output.out,
        err: output.err,
        revocationCached: redis &&
          (async (kid) => {
            const key = DEFAULT_REVOCATION_KEY_PREFIX + cacheKeys.key(kid);
            return await redis.client.sendCommand(["GET", key]).catch(() => null) === "1";
          }),
      });
    } finally {
      await assembly.close();
    }
  } finally {
    await redis?.close();
    await database.close();
  }
}
