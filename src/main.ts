/**
 * The service's only entry point and the only module that reads the environment: serve runs
 * here; every other command is src/cli/commands.ts, given the process's variables and output.
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
import { configOf, environmentOf, pgliteDataDir, runCommand } from "./cli/commands.ts";
import { type Config, ConfigError } from "./config.ts";
import { createRuntime } from "./runtime.ts";
import { createBatchedSink, createLogger, describeError } from "./logger.ts";
import { installProcessGuards } from "./process-guards.ts";

const SHUTDOWN_GRACE_MS = 10_000;

/** The process's own environment and output: what every command is given. */
const processContext = {
  env: Deno.env.toObject(),
  out: (line: string) => console.log(line),
  err: (line: string) => console.error(line),
};

/** Where the database is, for logs: scheme, host, port and name, never the credentials. */
function databaseLocation(config: Config): string {
  if (!config.database.url) return "pglite";
  const url = new URL(config.database.url);
  return `${url.protocol}//${url.hostname}:${url.port || 5432}${url.pathname}`;
}

async function serve() {
  const environment = await environmentOf(processContext);
  if (!environment) Deno.exit(1);
  const { env, envFile } = environment;
  const loaded = configOf(env, processContext.err);
  if (!loaded) Deno.exit(1);
  const { config, warnings } = loaded;
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
      pgliteDataDir: pgliteDataDir(config),
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
  // docs/operations.md, "In front of the service"). A process that no longer listens must not pass for a live
  // one: it stops with exit code 1 so its supervisor starts a fresh one.
  server.finished.catch((error) => {
    if (stopping) return;
    logger.error("server stopped accepting connections", { error: describeError(error) });
    void stop("accept failed", 1);
  });
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
}

const [command] = Deno.args;
if (command === undefined || command === "serve") await serve();
else Deno.exit(await runCommand(Deno.args, processContext));
