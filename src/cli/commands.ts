/**
 * The commands of src/main.ts other than serve, as a function of the arguments, the
 * environment and two output lines: main.ts passes the process's, tests their own.
 * @module
 */
import { type Config, ConfigError, loadConfig, type LoadedConfig } from "../config.ts";
import { migrateDown, migrateToLatest } from "../db/migrate.ts";
import { openDatabase } from "../runtime.ts";
import { ADMIN_KEY_COMMANDS, ADMIN_KEY_USAGE } from "./admin-key.ts";
import { runAdminKeyOnInstance } from "./admin-key-instance.ts";
import { type LoadedEnvironment, loadEnvironment } from "./env-file.ts";
import { KEY_COMMANDS, KEYS_USAGE } from "./keys.ts";
import { runKeysOnInstance } from "./keys-instance.ts";
import type { CommandOutput } from "./output.ts";
import { runPwnedBuild } from "./pwned-build.ts";
import { writeOrCheckSpec } from "./spec-file.ts";

/** What a command reads and where it writes. */
export interface CommandContext extends CommandOutput {
  /** The process environment; `.env` in `directory` goes under it */
  env: Record<string, string>;
  /** Where `.env` and development's PGlite data (.data/pglite) are: the working directory by default */
  directory?: string;
}

/** The environment with `.env` merged in, or undefined once the reason was printed. */
export async function environmentOf(context: CommandContext): Promise<LoadedEnvironment | undefined> {
  try {
    return await loadEnvironment(context.env, context.directory);
  } catch (error) {
    context.err(`config error: ${error instanceof Error ? error.message : error}`);
    return undefined;
  }
}

/** The configuration, or undefined once each problem was printed on a line of its own. */
export function configOf(env: Record<string, string>, err: (line: string) => void): LoadedConfig | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line per problem and no stack: the operator fixes the environment, not the code
    for (const problem of error.problems) err(`config error: ${problem}`);
    return undefined;
  }
}

/** Development without DATABASE_URL keeps PGlite's data under the working directory. */
export function pgliteDataDir(config: Config, directory = "."): string | undefined {
  return config.environment === "development" && !config.database.url ? `${directory}/.data/pglite` : undefined;
}

async function migrate(direction: string | undefined, context: CommandContext): Promise<number> {
  const environment = await environmentOf(context);
  if (!environment) return 1;
  const { env, envFile } = environment;
  if (envFile) context.err(`environment file loaded: ${envFile.file} (${envFile.variables} variables)`);
  const loaded = configOf(env, context.err);
  if (!loaded) return 1;
  const { config } = loaded;
  const database = await openDatabase(config, pgliteDataDir(config, context.directory), { migrating: true });
  try {
    const lines = direction === "down" ? await migrateDown(database.db) : await migrateToLatest(database.db);
    for (const line of lines) context.out(line);
    if (lines.length === 0) context.out("nothing to migrate");
    return 0;
  } finally {
    await database.close();
  }
}

/** Runs `keys …` or `admin-key …` on the configured database, once the words are known. */
async function onInstance(
  args: string[],
  context: CommandContext,
  known: { commands: string[]; usage: string },
  run: typeof runKeysOnInstance,
): Promise<number> {
  if (!known.commands.includes(args[0])) {
    context.err(known.usage);
    return 2;
  }
  const environment = await environmentOf(context);
  const loaded = environment && configOf(environment.env, context.err);
  if (!loaded) return 1;
  const { config } = loaded;
  return await run(args, config, context, pgliteDataDir(config, context.directory));
}

/**
 * Runs `migrate [down]`, `openapi [--check]`, `keys …`, `admin-key …` or `pwned:build SRC OUT`;
 * returns the exit code.
 */
export async function runCommand(args: string[], context: CommandContext): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "migrate":
      return await migrate(rest[0], context);
    case "openapi":
      return await writeOrCheckSpec({ check: rest.includes("--check"), out: context.out, err: context.err }) ? 0 : 1;
    case "keys":
      return await onInstance(rest, context, { commands: KEY_COMMANDS, usage: KEYS_USAGE }, runKeysOnInstance);
    case "admin-key":
      return await onInstance(
        rest,
        context,
        { commands: ADMIN_KEY_COMMANDS, usage: ADMIN_KEY_USAGE },
        runAdminKeyOnInstance,
      );
    case "pwned:build":
      return await runPwnedBuild(rest, context);
    default:
      context.err(`unknown command: ${command} (expected serve, migrate, openapi, keys, admin-key or pwned:build)`);
      return 2;
  }
}
