/**
 * The service's only entry point and the only module that reads the environment.
 *
 *   deno run … src/main.ts                 serve
 *   deno run … src/main.ts migrate [down]   apply (or revert one) migration
 *   deno run … src/main.ts openapi [--check] write (or compare) openapi/openapi.json
 */
import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { migrateDown, migrateToLatest } from "./db/migrate.ts";
import { createRuntime, openDatabase } from "./runtime.ts";
import { writeOrCheckSpec } from "./http/spec-file.ts";
import { createBatchedSink, createLogger, describeError } from "./logger.ts";
import { installProcessGuards } from "./process-guards.ts";

const SHUTDOWN_GRACE_MS = 10_000;
const PGLITE_DEV_DIR = ".data/pglite";

function readConfig() {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per problem and no stack: the operator fixes the environment, not the code
      for (const problem of error.problems) console.error(`config error: ${problem}`);
      Deno.exit(1);
    }
    throw error;
  }
}

async function serve() {
  const { config, warnings } = readConfig();
  const sink = createBatchedSink(Deno.stdout);
  globalThis.addEventListener("unload", () => sink.flush());
  const logger = createLogger({ level: config.debug ? "debug" : "info", write: sink.write });
  for (const warning of warnings) logger.warn(warning);
  installProcessGuards(logger);
  const development = config.environment === "development";
  const started = performance.now();
  const runtime = await createRuntime(config, logger, {
    pgliteDataDir: development && !config.database.url ? PGLITE_DEV_DIR : undefined,
    migrate: development,
  });
  const app = createApp(runtime.deps);
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) =>
      logger.info("listening", {
        url: `http://${hostname}:${port}`,
        docs: `${config.appUrl}/docs`,
        environment: config.environment,
        database: runtime.deps.database.kind,
        startup_ms: Math.round(performance.now() - started),
      }),
  }, app.fetch);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // shutdown() stops accepting and resolves when in-flight requests are done
    const drained = await Promise.race([
      server.shutdown().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS)),
    ]);
    if (!drained) logger.warn("shutdown grace period over, closing with requests in flight");
    try {
      await runtime.close();
    } catch (error) {
      logger.error("error while closing", { error: describeError(error) });
    }
    logger.info("stopped");
    sink.flush();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
}

async function migrate(direction: string | undefined) {
  const { config } = readConfig();
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
  default:
    console.error(`unknown command: ${command} (expected serve, migrate or openapi)`);
    Deno.exit(2);
}
