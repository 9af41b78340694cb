/**
 * `deno task bench --scale`: every hot path measured as the database grows (0, N/10, N users
 * by default), each figure as a ratio to the empty database; EXPLAIN of the hot statements, the
 * housekeeping sweep under load, each migration's locks at the largest size, and an SVG chart.
 * See README "Scale".
 */
import { hash } from "@node-rs/bcrypt";
import postgres from "postgres";
import { type BenchSettings, wants } from "./lib/args.ts";
import { mintAdminKey, recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { compare, fixedArgs, measure, type Side } from "./lib/compare.ts";
import { describeMachine } from "./lib/machine.ts";
import { linesFile, type MintedPair, mintPairs } from "./lib/mint.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import type { ServerProcess } from "./lib/processes.ts";
import { isSkipped, type Skipped } from "./lib/results.ts";
import { appEnv, BENCH_SECRETS, migrate, startApp, startCeiling } from "./lib/servers.ts";
import { runWrk } from "./lib/wrk.ts";
import { type ExplainedStatement, explainStatements } from "./lib/scale/explain.ts";
import { measureMigrations } from "./lib/scale/migrations.ts";
import {
  type HousekeepingFigures,
  judgeScale,
  renderScaleChart,
  type ScaleResults,
  type ScenarioFigures,
  type SizeResults,
} from "./lib/scale/results.ts";
import { renderScaleMarkdown, renderScaleText, updateScaleReadme } from "./lib/scale/report.ts";
import { countsFor, growTo, heavyEmail, heavyUsersFor, scaleEmail, scaleEmailPrefixes } from "./lib/scale/seed.ts";
import { ensureWrk } from "./lib/wrk.ts";
import { loadConfig } from "../src/config.ts";
import { createDatabase } from "../src/db/database.ts";
import { systemClock } from "../src/clock.ts";
import { createLogger } from "../src/logger.ts";
import { startHousekeeping } from "../src/services/housekeeping.ts";
import { encodeCursor } from "../src/services/sessions/keyset-cursor.ts";
import { findProfileOfUsableToken } from "../src/repositories/token-standing.ts";
import { listActiveSessions, lockUserSessionForRefresh } from "../src/repositories/sessions.ts";
import { listSecurityEvents } from "../src/repositories/security-events.ts";
import { lockUserByEmail } from "../src/repositories/users.ts";
import { listUsers } from "../src/repositories/admin-users.ts";
import { listUsers as adminListUsersRoute } from "../src/routes/admin/admin.routes.ts";
import { deleteExpiredBatch, EXPIRING_TABLES, type ExpiringTable } from "../src/repositories/housekeeping.ts";
import type { Transaction } from "kysely";
import type { RouteConfig } from "@hono/zod-openapi";
import type { DB } from "../src/db/schema.ts";
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

const SIGNIN_SAMPLE = 2000;
/** The rate limiter's window, and a second more */
const RATE_WINDOW_MS = 61_000;
const SIGNIN_MIN_SECONDS = 8;
const SESSIONS_DEEP = 5_000;
const EVENTS_DEEP = 50_000;
/** Prefixes the admin search walks through at each size, and the page it asks for */
const ADMIN_SEARCH_SAMPLE = 2000;
const ADMIN_PAGE = 20;
/** On the empty database the only users are the bench's own: 64 `bench-token-<n>` addresses */
const EMPTY_DATABASE_PREFIX = "bench-token-";

type Partial = Omit<ScaleResults, "targets">;

interface Claims {
  sub: string;
  sid: string;
  jti: string;
  kid: string;
  ver: number;
}

/** The payload's claims and the header's `kid` of a token the bench minted. */
function claimsOf(token: string): Claims {
  const part = (index: number) => JSON.parse(atob(token.split(".")[index].replaceAll("-", "+").replaceAll("_", "/")));
  return { ...part(1), kid: part(0).kid };
}

/** Runs the scale benchmark with the parsed settings. */
export async function runScale(settings: BenchSettings): Promise<void> {
  await ensureWrk();
  const results: Partial = {
    date: new Date().toISOString(),
    quick: settings.quick,
    machine: await describeMachine(settings.redisUrl),
    settings: {
      users: settings.users,
      sizes: settings.sizes.join(","),
      repetitions: settings.repetitions,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      bcryptCost: settings.bcryptCost,
      httpConnections: HTTP_CONNECTIONS,
    },
    sizes: [],
  };
  console.log(`Scale run: sizes ${settings.sizes.join(", ")}; ${JSON.stringify(results.machine)}`);
  const database = await recreateDatabase(settings.databaseName);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const servers: ServerProcess[] = [];
  const files: string[] = [];
  const started = performance.now();
  try {
    const port = settings.port;
    const env = appEnv({
      port,
      appUrl: `http://127.0.0.1:${port}`,
      databaseUrl: database.url,
      bcryptCost: settings.bcryptCost,
    });
    const { config } = loadConfig(env);
    await migrate(env);
    const [cheapHash, realHash] = await Promise.all([hash(PASSWORD, CHEAP_COST), hash(PASSWORD, settings.bcryptCost)]);
    const tokenUsers = await seedUsers(database.url, {
      prefix: "bench-token",
      count: TOKEN_USERS,
      passwordHash: cheapHash,
      password: PASSWORD,
    });
    const signinUsers = await seedUsers(database.url, {
      prefix: "bench-signin",
      count: 32,
      passwordHash: realHash,
      password: PASSWORD,
    });
    await seedOrdinaryTrail(sql, tokenUsers.emails);
    // An admin API key with the scope GET /admin/users declares, made as `deno task admin-key create` makes one
    const adminKeyFile = await linesFile([await mintAdminKey(database.url, "bench-scale", requiredScopes())]);
    files.push(adminKeyFile);

    const app = await startApp("app-scale", env, SERVER_CPU);
    servers.push(app);
    const meCeiling = await startCeiling("verify-select.ts", port + 10, {
      DATABASE_URL: database.url,
      JWT_SECRET: BENCH_SECRETS.JWT_SECRET,
    }, SERVER_CPU);
    servers.push(meCeiling);
    const pageCeiling = await startCeiling("page.ts", port + 11, {
      DATABASE_URL: database.url,
      JWT_SECRET: BENCH_SECRETS.JWT_SECRET,
    }, SERVER_CPU);
    servers.push(pageCeiling);
    const pairs = await mintPairs(app.url, tokenUsers.emails, PASSWORD, TOKEN_USERS);
    const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
    files.push(tokensFile);

    const side = (server: ServerProcess, path: string, file: string, scripts = ["bearer.lua"]): Side => ({
      url: `${server.url}${path}`,
      pid: server.pid,
      scripts,
      prepare: fixedArgs([file]),
    });
    const http = (label: string) => ({ label, connections: HTTP_CONNECTIONS, cpus: LOAD_CPU });

    let seeded = 0;
    for (const users of settings.sizes) {
      console.log(`\n== ${users} users ==`);
      const growStarted = performance.now();
      if (users > seeded) {
        await growTo(sql, seeded, users, realHash);
        // Settle what the bulk inserts left to do before measuring, so autovacuum's insert-triggered
        // passes and the checkpointer's writes do not share the two cores with the scenarios
        await sql.unsafe("vacuum (analyze)");
        // CHECKPOINT needs a superuser or pg_checkpoint: without either the run goes on without it
        await sql.unsafe("checkpoint").catch(() => {});
        seeded = users;
      }
      const seedSeconds = (performance.now() - growStarted) / 1000;
      console.log(`Seeded in ${seedSeconds.toFixed(1)} s`);
      const size: SizeResults = { users, counts: countsFor(users), seedSeconds, scenarios: {}, plans: [] };
      results.sizes.push(size);
      const scenarios = size.scenarios;
      const run = async (name: string, work: () => Promise<ScenarioFigures | Skipped>) => {
        if (!wants(settings, name)) return;
        console.log(name);
        scenarios[name] = await work().catch((error) => ({ skipped: (error as Error).message.split("\n")[0] }));
      };

      await run("me", async () => {
        const c = await compare(
          settings,
          http("me"),
          side(app, "/auth/me", tokensFile),
          side(meCeiling, "/auth/me", tokensFile),
        );
        return { ours: c.ours, ceiling: c.ceiling };
      });
      await run("refresh", async () => ({
        ours: await measure(settings, { label: "refresh", connections: REFRESH_CONNECTIONS, cpus: LOAD_CPU }, {
          url: `${app.url}/auth/refresh`,
          pid: app.pid,
          scripts: ["refresh.lua"],
          async prepare() {
            const fresh = await mintPairs(app.url, tokenUsers.emails, PASSWORD, REFRESH_CONNECTIONS + 4);
            const file = await linesFile(fresh.map((pair) => pair.refresh_token));
            return { args: [file], files: [file] };
          },
        }),
      }));
      await run("signin", async () => {
        const emails = users === 0
          ? signinUsers.emails
          : Array.from({ length: SIGNIN_SAMPLE }, () => scaleEmail(1 + Math.floor(Math.random() * users)));
        const file = await linesFile(emails);
        files.push(file);
        const seconds = Math.max(settings.durationSeconds, SIGNIN_MIN_SECONDS);
        return {
          ours: await measure(
            { ...settings, durationSeconds: seconds },
            { label: "signin", connections: SIGNIN_CONNECTIONS, timeoutSeconds: 30 },
            {
              url: `${app.url}/auth/signin`,
              pid: app.pid,
              scripts: ["signin.lua"],
              prepare: fixedArgs([file, PASSWORD]),
            },
          ),
        };
      });
      await run("sessions", async () => {
        const c = await compare(
          settings,
          http("sessions"),
          side(app, "/auth/sessions", tokensFile),
          side(pageCeiling, "/auth/sessions", tokensFile),
        );
        return { ours: c.ours, ceiling: c.ceiling };
      });
      await run("events", async () => {
        const c = await compare(
          settings,
          http("events"),
          side(app, "/auth/security-events", tokensFile),
          side(pageCeiling, "/auth/security-events", tokensFile),
        );
        return { ours: c.ours, ceiling: c.ceiling };
      });

      const heavy = heavyUsersFor(users) > 0 ? await heavyFixture(sql, config, app.url, files) : undefined;
      const noHeavy = { skipped: "no heavy user at this size" };
      for (
        const [name, path] of [
          ["sessions-heavy", "/auth/sessions"],
          ["sessions-heavy-deep", `/auth/sessions?cursor=${heavy?.sessionsCursor}`],
          ["events-heavy", "/auth/security-events"],
          ["events-heavy-deep", `/auth/security-events?cursor=${heavy?.eventsCursor}`],
        ] as const
      ) {
        // One user makes all four: at these rates the pairs together pass the highest limit a tier
        // can be given (100,000 a minute per user) and the last one answered 429s. The events pair
        // waits until the sessions pair's minute has passed.
        if (heavy && name === "events-heavy" && wants(settings, "sessions-heavy")) await sleep(RATE_WINDOW_MS);
        await run(
          name,
          async () =>
            heavy ? { ours: await measure(settings, http(name), side(app, path, heavy.tokensFile)) } : noHeavy,
        );
      }
      const prefixes = users === 0 ? [EMPTY_DATABASE_PREFIX] : scaleEmailPrefixes(users, ADMIN_SEARCH_SAMPLE);
      await run("admin-search", async () => {
        const prefixesFile = await linesFile(prefixes);
        files.push(prefixesFile);
        const url = `${app.url}/admin/users?limit=${ADMIN_PAGE}&email=`;
        await expectFullPage(adminKeyFile, url + prefixes[0]);
        return {
          ours: await measure(settings, http("admin-search"), {
            url,
            pid: app.pid,
            scripts: ["bearer-suffix.lua"],
            prepare: fixedArgs([adminKeyFile, prefixesFile]),
          }),
        };
      });

      size.plans = await explainHotStatements(sql, pairs[0], tokenUsers.emails[0], heavy, prefixes[0]);
      if (wants(settings, "housekeeping")) {
        console.log("housekeeping");
        size.housekeeping = users === 0
          ? { skipped: "nothing has expired in an empty database" }
          : await sweepUnderLoad(settings, database.url, app, tokensFile, scenarios.me);
      }
    }

    for (const server of [...servers].reverse()) await server.stop();
    servers.length = 0;
    if (wants(settings, "migrations") && seeded > 0) {
      console.log(`\nMigrations at ${seeded} users`);
      const migrator = await createDatabase({ url: database.url, poolSize: 2, statementTimeoutMs: 0 });
      const watcher = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        results.migrations = await measureMigrations(migrator.db, watcher);
      } finally {
        await watcher.end();
        await migrator.close();
      }
    }
  } finally {
    for (const server of [...servers].reverse()) await server.stop();
    for (const file of files) await Deno.remove(file).catch(() => {});
    await sql.end();
    await database.drop();
  }
  const final: ScaleResults = { ...results, targets: judgeScale(results) };
  const stamp = final.date.replace(/:/g, "-").replace(/\..*$/, "");
  const base = `bench/results/scale-${stamp}${final.quick ? "-quick" : ""}`;
  await Deno.mkdir(`${REPO_ROOT}bench/results`, { recursive: true });
  await Deno.writeTextFile(`${REPO_ROOT}${base}.json`, JSON.stringify(final, null, 2) + "\n");
  await Deno.writeTextFile(`${REPO_ROOT}${base}.svg`, renderScaleChart(final));
  await Deno.writeTextFile(`${REPO_ROOT}${base}-plans.txt`, plansText(final));
  console.log(`\n${renderScaleText(final)}\n\nWhole run ${((performance.now() - started) / 60000).toFixed(1)} min`);
  console.log(`Written to ${base}.json, ${base}.svg and ${base}-plans.txt`);
  if (settings.updateReadme) {
    console.log(
      await updateScaleReadme(renderScaleMarkdown(final, base))
        ? "README scale section updated"
        : "README has no scale markers",
    );
  }
  if (final.targets.some((target) => target.pass === false)) Deno.exitCode = 1;
}

/** The bench's own ordinary users get an ordinary history: a second session and 20 events each. */
async function seedOrdinaryTrail(sql: postgres.Sql, emails: string[]): Promise<void> {
  await sql`
    insert into sessions (user_id, created_at, last_used_at, expires_at, ip, user_agent)
    select id, now() - interval '3 days', now() - interval '1 day', now() + interval '60 days', '203.0.113.9', 'Old/1.0'
    from users where email = any(${emails})`;
  await sql`
    insert into security_events (user_id, type, ip, user_agent, created_at)
    select id, 'signin_succeeded', '203.0.113.9', 'Old/1.0', date_trunc('milliseconds', now() - e * interval '9 days')
    from users, generate_series(1, 20) as e where email = any(${emails})`;
}

interface HeavyFixture {
  userId: string;
  tokensFile: string;
  sessionsCursor: string;
  eventsCursor: string;
  pair: MintedPair;
}

/** Heavy user 1: tokens through sign-in, and cursors deep into its sessions and events. */
async function heavyFixture(
  sql: postgres.Sql,
  config: ReturnType<typeof loadConfig>["config"],
  appUrl: string,
  files: string[],
): Promise<HeavyFixture> {
  const [user] = await sql`select id from users where email_normalized = ${heavyEmail(1)}`;
  const userId = user.id as string;
  const pairs = await mintPairs(appUrl, [heavyEmail(1)], PASSWORD, 4);
  const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
  files.push(tokensFile);
  const [session] = await sql`
    select created_at, id from sessions where user_id = ${userId} and revoked_at is null and expires_at > now()
    order by created_at desc, id desc offset ${SESSIONS_DEEP} limit 1`;
  const [event] = await sql`
    select created_at, id from security_events where user_id = ${userId}
    order by created_at desc, id desc offset ${EVENTS_DEEP} limit 1`;
  return {
    userId,
    tokensFile,
    pair: pairs[0],
    sessionsCursor: await encodeCursor(config, userId, { createdAt: session.created_at, id: session.id }, "sessions"),
    eventsCursor: await encodeCursor(config, userId, { createdAt: event.created_at, id: event.id }, "security-events"),
  };
}

/**
 * The scopes GET /admin/users declares in its contract: its security requirement, as the
 * spec shows it (defineRoute's result is typed as its input, which has `adminScope` instead).
 */
function requiredScopes(): string[] {
  const { security = [] } = adminListUsersRoute as unknown as Pick<RouteConfig, "security">;
  const scopes = security.flatMap((requirement) => requirement.adminApiKey ?? []);
  if (scopes.length === 0) throw new Error("GET /admin/users declares no admin API key scope");
  return scopes;
}

/** One search before the load: a refused key or a short page would make the figures meaningless. */
async function expectFullPage(keyFile: string, url: string): Promise<void> {
  const [key] = (await Deno.readTextFile(keyFile)).split("\n");
  const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`GET /admin/users answers ${response.status} ${body.code ?? ""}`);
  if (body.users.length !== ADMIN_PAGE) {
    throw new Error(`GET /admin/users found ${body.users.length} users, not a page`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The hot statements, as the repositories build them, explained on the database at this size. */
async function explainHotStatements(
  sql: postgres.Sql,
  pair: MintedPair,
  email: string,
  heavy: HeavyFixture | undefined,
  adminPrefix: string,
): Promise<ExplainedStatement[]> {
  const now = new Date();
  const claims = claimsOf(pair.access_token);
  const subject = { userId: claims.sub, sessionId: claims.sid, jti: claims.jti, keyId: claims.kid, now };
  const plans: ExplainedStatement[] = [];
  const add = async (name: string, work: Parameters<typeof explainStatements>[2]) =>
    plans.push(...await explainStatements(sql, name, work));
  await add(
    "token check + profile (GET /auth/me)",
    (db) => findProfileOfUsableToken(db, { ...subject, tokenVersion: claims.ver ?? 0 }),
  );
  await add("refresh: lock the session", (db) => lockUserSessionForRefresh(db, claims.sub, claims.sid));
  await add("sign-in: the user by email", (db) => lockUserByEmail(db as Transaction<DB>, email));
  await add("sessions, first page (ordinary)", (db) => listActiveSessions(db, claims.sub, now, { limit: 51 }));
  await add("events, first page (ordinary)", (db) => listSecurityEvents(db, claims.sub, { limit: 21 }));
  // The service asks for one more than the page, to tell whether there is a next one
  await add(
    "admin user search: email prefix, first page",
    (db) => listUsers(db, { emailPrefix: adminPrefix, limit: ADMIN_PAGE + 1, now }),
  );
  if (heavy) {
    const [s] = await sql`
      select created_at, id from sessions where user_id = ${heavy.userId} and revoked_at is null and expires_at > now()
      order by created_at desc, id desc offset ${SESSIONS_DEEP} limit 1`;
    const [e] = await sql`
      select created_at, id from security_events where user_id = ${heavy.userId}
      order by created_at desc, id desc offset ${EVENTS_DEEP} limit 1`;
    await add("sessions, first page (heavy)", (db) => listActiveSessions(db, heavy.userId, now, { limit: 51 }));
    await add(
      "sessions, page at 5,000 (heavy)",
      (db) => listActiveSessions(db, heavy.userId, now, { limit: 51, before: { createdAt: s.created_at, id: s.id } }),
    );
    await add("events, first page (heavy)", (db) => listSecurityEvents(db, heavy.userId, { limit: 21 }));
    await add(
      "events, page at 50,000 (heavy)",
      (db) => listSecurityEvents(db, heavy.userId, { limit: 21, before: { createdAt: e.created_at, id: e.id } }),
    );
  }
  for (const table of Object.keys(EXPIRING_TABLES) as ExpiringTable[]) {
    await add(
      `housekeeping batch: ${table}`,
      (db) => deleteExpiredBatch(db, table, now, 500, { securityEventDays: 365 }),
    );
  }
  return plans;
}

/**
 * The service's own housekeeping (runOnce, default batches) in a loop while GET /auth/me
 * runs at full load; rows per second over the time the sweep had rows to delete.
 */
async function sweepUnderLoad(
  settings: BenchSettings,
  url: string,
  app: ServerProcess,
  tokensFile: string,
  me: ScenarioFigures | Skipped | undefined,
): Promise<HousekeepingFigures | Skipped> {
  if (!me || isSkipped(me)) return { skipped: "GET /auth/me was not measured at this size" };
  const database = await createDatabase({ url, poolSize: 2, statementTimeoutMs: 0 });
  const housekeeping = startHousekeeping({
    db: database.db,
    clock: systemClock,
    logger: createLogger({ level: "error", write: () => {} }),
    intervalMs: 86_400_000,
  });
  try {
    const seconds = settings.durationSeconds * 2;
    let done = false;
    let rowsDeleted = 0;
    let sweepSeconds = 0;
    const load = runWrk({
      url: `${app.url}/auth/me`,
      scripts: ["bearer.lua"],
      scriptArgs: [tokensFile],
      connections: HTTP_CONNECTIONS,
      durationSeconds: seconds,
      cpus: LOAD_CPU,
    }).finally(() => done = true);
    const sweepStarted = performance.now();
    while (!done) {
      const report = await housekeeping.runOnce();
      const deleted = Object.values(report).reduce((sum, count) => sum + count, 0);
      rowsDeleted += deleted;
      if (deleted > 0) sweepSeconds = (performance.now() - sweepStarted) / 1000;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const during = await load;
    console.log(
      `  deleted ${rowsDeleted} rows in ${sweepSeconds.toFixed(1)} s; /auth/me p99 ${during.p99Ms.toFixed(1)} ms`,
    );
    return {
      rowsDeleted,
      sweepSeconds,
      rowsPerSecond: sweepSeconds > 0 ? rowsDeleted / sweepSeconds : 0,
      meDuring: { rps: during.rps, p99Ms: during.p99Ms },
      meBefore: { rps: me.ours.rps.median, p99Ms: me.ours.p99Ms },
    };
  } finally {
    await housekeeping.stop();
    await database.close();
  }
}

function plansText(results: ScaleResults): string {
  return results.sizes.map((size) =>
    `######## ${size.users} users\n\n` +
    size.plans.map((plan) => `=== ${plan.name}\n${plan.sql}\n\n${plan.plan}\n`).join("\n")
  ).join("\n");
}
