/**
 * `deno task bench`: the service against its ceilings, side by side on this machine.
 * Server pinned to core 0, wrk to core 1 (sign-in unpinned); see bench/README.md.
 */
import { hash } from "@node-rs/bcrypt";
import { type BenchSettings, parseArgs, wants } from "./lib/args.ts";
import { recreateDatabase, seedCeilingRefreshTokens, seedSigningKey, seedUsers } from "./lib/bench-db.ts";
import { compare, fixedArgs } from "./lib/compare.ts";
import { describeMachine, flushRedis } from "./lib/machine.ts";
import { linesFile, mintPairs } from "./lib/mint.ts";
import { type ServerProcess, waitIdle } from "./lib/processes.ts";
import { renderText, updateReadme, writeResults } from "./lib/report.ts";
import type { BenchResults } from "./lib/results.ts";
import { appEnv, BENCH_KEY_ENCRYPTION_KEY, BENCH_SECRETS, migrate, startApp, startCeiling } from "./lib/servers.ts";
import { judge } from "./lib/targets.ts";
import { ensureWrk, runWrk } from "./lib/wrk.ts";
import { runScale } from "./scale.ts";
import {
  CHEAP_COST,
  HTTP_CONNECTIONS,
  LOAD_CPU,
  PASSWORD,
  REFRESH_CONNECTIONS,
  SERVER_CPU,
  SIGNIN_CONNECTIONS,
  TOKEN_USERS,
} from "./lib/load.ts";

const SIGNIN_USERS = 32;
// wrk calls request() once to check the script, before the connections take theirs
const REFRESH_TOKENS = REFRESH_CONNECTIONS + 4;
// A few sign-ins per second at cost 12: shorter runs leave too few samples
const SIGNIN_MIN_SECONDS = 10;

type Partial = Omit<BenchResults, "targets">;

async function main(settings: BenchSettings): Promise<void> {
  await ensureWrk();
  const started = new Date();
  const results: Partial = {
    date: started.toISOString(),
    quick: settings.quick,
    machine: await describeMachine(settings.redisUrl),
    settings: {
      repetitions: settings.repetitions,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      soakSeconds: settings.soakSeconds,
      bcryptCost: settings.bcryptCost,
      httpConnections: HTTP_CONNECTIONS,
      refreshConnections: REFRESH_CONNECTIONS,
      signinConnections: SIGNIN_CONNECTIONS,
      serverCpu: SERVER_CPU,
      loadCpu: LOAD_CPU,
    },
    comparisons: {},
  };
  const servers: ServerProcess[] = [];
  const files: string[] = [];
  console.log(`Machine: ${JSON.stringify(results.machine)}`);
  const database = await recreateDatabase(settings.databaseName);
  await flushRedis(settings.redisUrl);
  try {
    const port = settings.port;
    const envFor = (offset: number, redisUrl?: string) =>
      appEnv({
        port: port + offset,
        appUrl: `http://127.0.0.1:${port}`,
        databaseUrl: database.url,
        redisUrl,
        bcryptCost: settings.bcryptCost,
      });

    const migrateMs = await migrate(envFor(0));
    console.log(`Migrated ${settings.databaseName} in ${migrateMs.toFixed(0)} ms`);
    const [cheapHash, realHash] = await Promise.all([hash(PASSWORD, CHEAP_COST), hash(PASSWORD, settings.bcryptCost)]);
    const tokenUsers = await seedUsers(database.url, {
      prefix: "bench-token",
      count: TOKEN_USERS,
      passwordHash: cheapHash,
      password: PASSWORD,
    });
    const signinUsers = await seedUsers(database.url, {
      prefix: "bench-signin",
      count: SIGNIN_USERS,
      passwordHash: realHash,
      password: PASSWORD,
    });

    const appMemory = await startApp("app-memory", envFor(0), SERVER_CPU);
    servers.push(appMemory);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    results.startup = { migrateMs, coldStartMs: appMemory.readyMs, idleRssMb: await appMemory.rssMb() };
    console.log(
      `Cold start to ready ${appMemory.readyMs.toFixed(0)} ms; idle RSS ${results.startup.idleRssMb.toFixed(1)} MB`,
    );

    let accessTokensFile: string | undefined;
    let unavailable: string | undefined;
    try {
      const pairs = await mintPairs(appMemory.url, tokenUsers.emails, PASSWORD, TOKEN_USERS);
      accessTokensFile = await linesFile(pairs.map((pair) => pair.access_token));
      files.push(accessTokensFile);
    } catch (error) {
      unavailable = `sign-in hands out no tokens (${(error as Error).message})`;
      console.log(`Token scenarios skipped: ${unavailable}`);
    }

    const needsTokens = ["me-memory", "me-memory-metrics", "me-redis", "me-eddsa", "me-es256", "refresh", "soak"]
      .filter((name) => wants(settings, name));
    if (unavailable) { for (const name of needsTokens) results.comparisons[name] = { skipped: unavailable }; }

    if (
      accessTokensFile &&
      (wants(settings, "me-memory") || wants(settings, "me-memory-metrics") || wants(settings, "me-redis"))
    ) {
      const ceiling = await startCeiling("verify-select.ts", port + 10, {
        DATABASE_URL: database.url,
        JWT_SECRET: BENCH_SECRETS.JWT_SECRET,
      }, SERVER_CPU);
      servers.push(ceiling);
      const ceilingSide = {
        url: `${ceiling.url}/auth/me`,
        pid: ceiling.pid,
        scripts: ["bearer.lua"],
        prepare: fixedArgs([accessTokensFile]),
      };
      const options = { connections: HTTP_CONNECTIONS, cpus: LOAD_CPU };
      if (wants(settings, "me-memory")) {
        console.log("GET /auth/me, memory store");
        results.comparisons["me-memory"] = await compare(settings, { ...options, label: "me-memory" }, {
          url: `${appMemory.url}/auth/me`,
          pid: appMemory.pid,
          scripts: ["bearer.lua"],
          prepare: fixedArgs([accessTokensFile]),
        }, ceilingSide);
      }
      // Metrics on: the same scenario on an instance counting every request, scraped every second
      if (wants(settings, "me-memory") || wants(settings, "me-memory-metrics")) {
        console.log("GET /auth/me, memory store, metrics on");
        const metricsPort = port + 5;
        const appMetrics = await startApp(
          "app-metrics",
          { ...envFor(4), METRICS_PORT: String(metricsPort) },
          SERVER_CPU,
        );
        servers.push(appMetrics);
        const scraper = setInterval(() => {
          fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.body?.cancel(), () => {});
        }, 1000);
        try {
          results.comparisons["me-memory-metrics"] = await compare(
            settings,
            { ...options, label: "me-memory-metrics" },
            {
              url: `${appMetrics.url}/auth/me`,
              pid: appMetrics.pid,
              scripts: ["bearer.lua"],
              prepare: fixedArgs([accessTokensFile]),
            },
            ceilingSide,
          );
        } finally {
          clearInterval(scraper);
        }
        await stop(servers, appMetrics);
      }
      if (wants(settings, "me-redis")) {
        console.log("GET /auth/me, Redis store");
        const appRedis = await startApp("app-redis", envFor(1, settings.redisUrl), SERVER_CPU);
        servers.push(appRedis);
        // Its ceiling makes the one Redis round trip a shared rate limit needs
        const redisCeiling = await startCeiling("verify-select.ts", port + 14, {
          DATABASE_URL: database.url,
          JWT_SECRET: BENCH_SECRETS.JWT_SECRET,
          REDIS_URL: settings.redisUrl,
        }, SERVER_CPU);
        servers.push(redisCeiling);
        results.comparisons["me-redis"] = await compare(settings, { ...options, label: "me-redis" }, {
          url: `${appRedis.url}/auth/me`,
          pid: appRedis.pid,
          scripts: ["bearer.lua"],
          prepare: fixedArgs([accessTokensFile]),
        }, { ...ceilingSide, url: `${redisCeiling.url}/auth/me`, pid: redisCeiling.pid });
        await stop(servers, appRedis);
        await stop(servers, redisCeiling);
      }
      await stop(servers, ceiling);
    }

    for (const [name, alg] of [["me-eddsa", "EdDSA"], ["me-es256", "ES256"]] as const) {
      if (unavailable || !wants(settings, name)) continue;
      console.log(`GET /auth/me, ${alg} tokens`);
      const env = { ...envFor(3), JWT_SIGNING_ALG: alg, KEY_ENCRYPTION_KEY: BENCH_KEY_ENCRYPTION_KEY };
      const jwk = await seedSigningKey(env, alg);
      const app = await startApp(`app-${alg.toLowerCase()}`, env, SERVER_CPU);
      servers.push(app);
      const pairs = await mintPairs(app.url, tokenUsers.emails, PASSWORD, TOKEN_USERS);
      const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
      files.push(tokensFile);
      const ceiling = await startCeiling("verify-select.ts", port + 13, {
        DATABASE_URL: database.url,
        JWT_ALG: alg,
        JWT_PUBLIC_JWK: JSON.stringify(jwk),
      }, SERVER_CPU);
      servers.push(ceiling);
      const side = (server: ServerProcess) => ({
        url: `${server.url}/auth/me`,
        pid: server.pid,
        scripts: ["bearer.lua"],
        prepare: fixedArgs([tokensFile]),
      });
      const options = { connections: HTTP_CONNECTIONS, cpus: LOAD_CPU, label: name };
      results.comparisons[name] = await compare(settings, options, side(app), side(ceiling));
      await stop(servers, ceiling);
      await stop(servers, app);
    }

    if (!unavailable && wants(settings, "refresh")) {
      console.log("POST /auth/refresh");
      // The ceiling seals a successor pair as long as the service's (the refresh reuse grace)
      const accessTokenLength = (await Deno.readTextFile(accessTokensFile!)).split("\n")[0].length;
      const ceiling = await startCeiling("rotation.ts", port + 11, {
        DATABASE_URL: database.url,
        ACCESS_TOKEN_LENGTH: String(accessTokenLength),
      }, SERVER_CPU);
      servers.push(ceiling);
      results.comparisons.refresh = await compare(
        settings,
        { label: "refresh", connections: REFRESH_CONNECTIONS, cpus: LOAD_CPU },
        {
          url: `${appMemory.url}/auth/refresh`,
          pid: appMemory.pid,
          scripts: ["refresh.lua"],
          async prepare() {
            const pairs = await mintPairs(appMemory.url, tokenUsers.emails, PASSWORD, REFRESH_TOKENS);
            const file = await linesFile(pairs.map((pair) => pair.refresh_token));
            return { args: [file], files: [file] };
          },
        },
        {
          url: `${ceiling.url}/auth/refresh`,
          pid: ceiling.pid,
          scripts: ["refresh.lua"],
          async prepare() {
            const tokens = await seedCeilingRefreshTokens(database.url, tokenUsers.emails, REFRESH_TOKENS);
            const file = await linesFile(tokens);
            return { args: [file], files: [file] };
          },
        },
      );
      await stop(servers, ceiling);
    }

    if (accessTokensFile && wants(settings, "soak")) {
      console.log(`Soak: ${settings.soakSeconds} s of GET /auth/me`);
      const rssStartMb = await appMemory.rssMb();
      const run = await runWrk({
        url: `${appMemory.url}/auth/me`,
        scripts: ["bearer.lua", "windows.lua"],
        scriptArgs: [accessTokensFile],
        connections: HTTP_CONNECTIONS,
        durationSeconds: settings.soakSeconds,
        cpus: LOAD_CPU,
      });
      const windowsRps = run.windows.map((count) => count / 5);
      results.soak = {
        seconds: settings.soakSeconds,
        windowsRps,
        rps: run.rps,
        failures: run.non2xx + run.socketErrors + run.timeouts,
        rssStartMb,
        rssEndMb: await appMemory.rssMb(),
      };
      console.log(`  windows ${windowsRps.map((value) => value.toFixed(0)).join(", ")} req/s`);
    }
    await stop(servers, appMemory);

    if (wants(settings, "signin")) {
      await measureSignin(settings, results, envFor(2), signinUsers.emails, servers, files);
    }
  } finally {
    for (const server of [...servers].reverse()) await server.stop();
    for (const file of files) await Deno.remove(file).catch(() => {});
    await database.drop();
    await flushRedis(settings.redisUrl);
  }

  const final: BenchResults = { ...results, targets: judge(results) };
  const resultFile = await writeResults(final);
  console.log(`\n${renderText(final)}\n\nWritten to ${resultFile}`);
  if (settings.updateReadme) {
    console.log(
      await updateReadme(final, resultFile) ? "bench/README.md table updated" : "bench/README.md has no bench markers",
    );
  }
  if (final.targets.some((target) => target.pass === false)) Deno.exitCode = 1;
}

async function stop(servers: ServerProcess[], server: ServerProcess): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

/**
 * Sign-in at the configured cost against the bcrypt ceiling, both unpinned (bcrypt runs on
 * worker threads; the load generator needs almost nothing at these rates); then
 * /health/live latency while sign-in stays saturated.
 */
async function measureSignin(
  settings: BenchSettings,
  results: Partial,
  env: Record<string, string>,
  emails: string[],
  servers: ServerProcess[],
  files: string[],
): Promise<void> {
  console.log(`POST /auth/signin at cost ${settings.bcryptCost}, ${SIGNIN_CONNECTIONS} connections`);
  const app = await startApp("app-signin", env);
  servers.push(app);
  const ceiling = await startCeiling("bcrypt.ts", Number(env.PORT) + 10, {
    PASSWORD_HASH: await hash(PASSWORD, settings.bcryptCost),
  });
  servers.push(ceiling);
  const emailsFile = await linesFile(emails);
  files.push(emailsFile);
  const signinArgs = fixedArgs([emailsFile, PASSWORD]);
  const options = { label: "signin", connections: SIGNIN_CONNECTIONS, timeoutSeconds: 30 };
  const seconds = Math.max(settings.durationSeconds, SIGNIN_MIN_SECONDS);
  results.comparisons.signin = await compare(
    { ...settings, durationSeconds: seconds, warmupSeconds: Math.max(settings.warmupSeconds, 3) },
    options,
    { url: `${app.url}/auth/signin`, pid: app.pid, scripts: ["signin.lua"], prepare: signinArgs },
    { url: `${ceiling.url}/auth/signin`, pid: ceiling.pid, scripts: ["signin.lua"], prepare: signinArgs },
  );
  await stop(servers, ceiling);

  console.log("GET /health/live alone, then while sign-in is saturated");
  await waitIdle(app.pid);
  const idleHealth = await runWrk({
    url: `${app.url}/health/live`,
    scripts: ["plain.lua"],
    connections: 1,
    durationSeconds: seconds,
  });
  const [signin, health] = await Promise.all([
    runWrk({
      url: `${app.url}/auth/signin`,
      scripts: ["signin.lua"],
      scriptArgs: [emailsFile, PASSWORD],
      connections: SIGNIN_CONNECTIONS,
      durationSeconds: settings.durationSeconds,
      timeoutSeconds: 30,
    }),
    runWrk({
      url: `${app.url}/health/live`,
      scripts: ["plain.lua"],
      connections: 1,
      durationSeconds: settings.durationSeconds,
    }),
  ]);
  results.signinHealth = { signin, health, idleHealth };
  console.log(
    `  sign-in ${signin.rps.toFixed(1)}/s (${signin.non2xx} non-2xx) · /health/live p50 ${
      health.p50Ms.toFixed(2)
    } ms, ` +
      `p99 ${health.p99Ms.toFixed(2)} ms, ${health.rps.toFixed(0)} req/s`,
  );
  await stop(servers, app);
}

if (import.meta.main) {
  const settings = parseArgs(Deno.args);
  await (settings.scale ? runScale(settings) : main(settings));
}
