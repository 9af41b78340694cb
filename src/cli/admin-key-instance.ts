import { systemClock } from "../clock.ts";
import type { Config } from "../config.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { openDatabase } from "../runtime.ts";
import { createAdminKeyService } from "../services/admin/api-keys.ts";
import { runAdminKeyCommand } from "./admin-key.ts";
import type { CommandOutput } from "./output.ts";

/**
 * Runs `admin-key <command>` against the database the configuration names. No cache to
 * tell: every instance reads a key's state from PostgreSQL on each request. Returns the
 * exit code.
 */
export async function runAdminKeyOnInstance(
  args: string[],
  config: Config,
  output: CommandOutput,
  pgliteDataDir?: string,
): Promise<number> {
  const database = await openDatabase(config, pgliteDataDir);
  try {
    if (config.environment === "development") await migrateToLatest(database.db);
    return await runAdminKeyCommand(args, {
      keys: createAdminKeyService({ db: database.db, clock: systemClock }),
      out: output.out,
      err: output.err,
    });
  } finally {
    await database.close();
  }
}
