/**
 * The service's only entry point and the only module that reads the environment (and `.env`,
 * for serve and migrate).
 *
 *   deno run … src/main.ts                 serve
 *   deno run … src/main.ts migrate [down]   apply (or revert one) migration
 *   deno run … src/main.ts openapi [--check] write (or compare) openapi/openapi.json
 *   deno run … src/main.ts keys <command>    signing keys (see src/cli/keys.ts)
 *   deno run … src/main.ts admin-key <command> admin API keys (see src/cli/admin-key.ts)
 *   deno run … src/main.ts pwned:build SRC OUT  build PWNED_PASSWORDS_FILE (see src/cli/pwned-build.ts)
 */
import { createApp } from "./app.ts";
import { metricsListener } from "./http/metrics-endpoint.ts";
import { ENV_FILE, mergeEnvFile, readEnvFile } from "./cli/env-file.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { migrateDown, migrateToLatest } from "./db/migrate.ts";
import { createRuntime, openDatabase } from "./runtime.ts";
import { KEY_COMMANDS, KEYS_USAGE } from "./cli/keys.ts";
import { runKeysOnInstance } from "./cli/keys-instance.ts";
import { ADMIN_KEY_COMMANDS, ADMIN_KEY_USAGE } from "./cli/admin-key.ts";
import { runAdminKeyOnInstance } from "./cli/admin-key-instance.ts";
import { writeOrCheckSpec } from "./cli/spec-file.ts";
import { runPwnedBuild } from "./cli/pwned-build.ts";
import { createBatchedSink, createLogger, describeError } from "./logger.ts";
import { installProcessGuards } from "./process-guards.ts";

const SHUTDOWN_GRACE_MS = 10_000;
const PGLITE_DEV_DIR = ".data/pglite";

/** The variables to configure from, and what `.env` added (names and counts only, never values). */
interface Environment {
  env: Record<string, string>;
  envFile?: { file: string; variables: number; overridden: string[] };
}

async function readEnvironment(): Promise<Environment> {
  const processEnv = Deno.env.toObject();
  let fromFile: Record<string, string> | undefined;
  try {
    fromFile = await readEnvFile(ENV_FILE);
  } catch (error) {
    console.error(`config error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  if (!fromFile) return { env: processEnv };
  const { env, overridden } = mergeEnvFile(fromFile, processEnv);
  return { env, envFile: { file: ENV_FILE, variables: Object.keys(fromFile).length, overridden } };
}

function readConfig(env: Record<string, string>) {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per problem and no stack: the operator fixes the environment, not the code
      for (const problem of error.problems) console.error(`config error: ${problem}`);
      Deno.exit(1);
    }
    throw error;
  }
}

/** Where the database is, for logs: scheme, host, port and name, never the credentials. */
function databaseLocation(config: Config): string {
  if (!config.database.url) return "pglite";
  const url = new URL(config.database.url);
  return `${url.protocol}//${url.hostname}:${url.port || 5432}${url.pathname}`;
}

async function serve() {
  const { env, envFile } = await readEnvironment();
  const { config, warnings } = readConfig(env);
  const sink = createBatchedSink(Deno.stdout);
  globalThis.addEventListener("unload", () => sink.flush());
  const logger = createLogger({ level: config.debug ? "debug" : "info", format: config.logFormat, write: sink.write });
  if (envFile) logger.info("environment file loaded", { ...envFile });
  for (const warning of warnings) logger.warn(warning);
  installProcessGuards(logger);
  const development = config.environment === "development";
  const started = performance.now();
  let runtime;
  try {
    runtime = await createRuntime(config, logger, {
      pgliteDataDir: development && !config.database.url ? PGLITE_DEV_DIR : undefined,
      migrate: development,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      sink.flush();
      for (const problem of error.problems) console.error(`config error: ${problem}`);
      Deno.exit(1);
    }
    // Named, so an operator sees which DATABASE_URL (from .env or the environment) was tried
    logger.error("start-up failed", { database: databaseLocation(config), error: describeError(error) });
    sink.flush();
    Deno.exit(1);
  }
  if (development) {
    // Testers can call the admin API from /docs at once; a new key each start, the last one revoked by replacement
    const key = await runtime.deps.adminKeys.issueDevelopmentKey();
    logger.warn("development admin API key (every scope; printed only when ENVIRONMENT=development)", {
      admin_api_key: key,
    });
  }
  const app = createApp(runtime.deps);
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) =>
      logger.info("listening", {
        url: `http://${hostname}:${port}`,
        docs: `${config.appUrl}/docs`,
        environment: config.environment,
        debug: config.debug,
        database: runtime.deps.database.kind,
        startup_ms: Math.round(performance.now() - started),
      }),
  }, app.fetch);
  const metrics = runtime.deps.metrics;
  const metricsServer = metrics && config.metrics.port !== undefined
    ? Deno.serve({
      hostname: config.host,
      port: config.metrics.port,
      onListen: ({ hostname, port }) => logger.info("metrics listening", { url: `http://${hostname}:${port}/metrics` }),
    }, metricsListener(metrics))
    : undefined;

  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // shutdown() stops accepting and resolves when in-flight requests are done
    const drained = await Promise.race([
      server.shutdown().then(() => true, () => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS)),
    ]);
    if (!drained) logger.warn("shutdown grace period over, closing with requests in flight");
    await metricsServer?.shutdown().catch(() => {});
    try {
      await runtime.close();
    } catch (error) {
      logger.error("error while closing", { error: describeError(error) });
    }
    logger.info("stopped");
    sink.flush();
    Deno.exit(exitCode);
  };
  // Deno.serve stops accepting for good when accept() fails, e.g. with every file descriptor
  // taken by connections that never finish their request (Deno has no header-read timeout; see
  // the README's deployment notes). A process that no longer listens must not pass for a live
  // one: it stops with exit code 1 so its supervisor starts a fresh one.
  server.finished.catch((error) => {
    if (stopping) return;
    logger.error("server stopped accepting connections", { error: describeError(error) });
    void stop("accept failed", 1);
  });
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
}

async function migrate(direction: string | undefined) {
  const { env, envFile } = await readEnvironment();
  if (envFile) console.error(`environment file loaded: ${envFile.file} (${envFile.variables} variables)`);
  const { config } = readConfig(env);
  const database = await openDatabase(
    config,
    config.environment === "development" && !config.database.url ? PGLITE_DEV_DIR : undefined,
    { migrating: true },
  );
  try {
    const lines = direction === "down" ? await migrateDown(database.db) : await migrateToLatest(database.db);
    for (const line of lines) console.log(line);
    if (lines.length === 0) console.log("nothing to migrate");
  } finally {
    await database.close();
  }
}

/** `keys …`: the signing keys, through the same assembly a running instance uses. */
async function keys(args: string[]) {
  if (!KEY_COMMANDS.includes(args[0])) {
    console.error(KEYS_USAGE);
    Deno.exit(2);
  }
  const { env } = await readEnvironment();
  const { config } = readConfig(env);
  const development = config.environment === "development";
  Deno.exit(await runKeysOnInstance(args, config, development && !config.database.url ? PGLITE_DEV_DIR : undefined));
}

/** `admin-key …`: admin API keys, on the database the configuration names. */
async function adminKey(args: string[]) {
  if (!ADMIN_KEY_COMMANDS.includes(args[0])) {
    console.error(ADMIN_KEY_USAGE);
    Deno.exit(2);
  }
  const { env } = await readEnvironment();
  const { config } = readConfig(env);
  const development = config.environment === "development";
  Deno.exit(
    await runAdminKeyOnInstance(args, config, development && !config.database.url ? PGLITE_DEV_DIR : undefined),
  );
}

async function openapi(check: boolean) {
  const ok = await writeOrCheckSpec({ check });
  if (!ok) Deno.exit(1);
}

const [command, ...rest] = Deno.args;
switch (command) {
  case undefined:
  case "serve":
    await serve();
    break;
  case "migrate":
    await migrate(rest[0]);
    break;
  case "openapi":
    await openapi(rest.includes("--check"));
    break;
  case "keys":
    await keys(rest);
    break;
  case "admin-key":
    await adminKey(rest);
    break;
  case "pwned:build":
    Deno.exit(await runPwnedBuild(rest));
    break;
  default:
    console.error(`unknown command: ${command} (expected serve, migrate, openapi, keys, admin-key or pwned:build)`);
    Deno.exit(2);
}
