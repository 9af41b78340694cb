/**
 * One size of a scale run: its own database grown to that many users, the service and the
 * ceilings started on it, and what the scenarios send (tokens, cursors, an admin key). Every
 * size is ready before the first measurement, so each scenario can take its sizes turn about.
 */
import postgres from "postgres";
import type { RouteConfig } from "@hono/zod-openapi";
import { type BenchDatabase, mintAdminKey, recreateDatabase, seedUsers } from "../bench-db.ts";
import { PASSWORD, SERVER_CPU, TOKEN_USERS } from "../load.ts";
import { linesFile, type MintedPair, mintPairs } from "../mint.ts";
import type { ServerProcess } from "../processes.ts";
import { appEnv, BENCH_SECRETS, migrate, startApp, startCeiling } from "../servers.ts";
import type { SizeResults } from "./results.ts";
import { countsFor, growTo, heavyEmail, heavyUsersFor } from "./seed.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import { encodeCursor } from "../../../src/services/keyset-cursor.ts";
import { listUsers as adminListUsersRoute } from "../../../src/routes/admin/admin.routes.ts";

export const SESSIONS_DEEP = 5_000;
export const EVENTS_DEEP = 50_000;

export interface HeavyFixture {
  userId: string;
  tokensFile: string;
  sessionsCursor: string;
  eventsCursor: string;
  pair: MintedPair;
}

export interface SizeFixture {
  users: number;
  /** Where this size's figures go */
  size: SizeResults;
  database: BenchDatabase;
  /** The bench's own connection to the database (seeding, fixtures, EXPLAIN) */
  sql: postgres.Sql;
  config: Config;
  app: ServerProcess;
  meCeiling: ServerProcess;
  pageCeiling: ServerProcess;
  tokenEmails: string[];
  signinEmails: string[];
  /** Access tokens of the ordinary bench users, one per line */
  tokensFile: string;
  pairs: MintedPair[];
  adminKeyFile: string;
  heavy?: HeavyFixture;
}

/** Where a size's processes and files are recorded, so the run can stop and remove them all. */
export interface Leftovers {
  servers: ServerProcess[];
  files: string[];
  databases: BenchDatabase[];
  clients: postgres.Sql[];
}

export interface SizeOptions {
  users: number;
  databaseName: string;
  port: number;
  bcryptCost: number;
  /** bcrypt hashes of the bench password: cheap for minting tokens, real for sign-in */
  cheapHash: string;
  realHash: string;
}

/**
 * Re-creates the size's database, migrates it, seeds the bench's own users and grows it to
 * `users` ordinary users; then starts the service and both ceilings on it (ports P, P+10, P+11).
 */
export async function prepareSize(options: SizeOptions, leftovers: Leftovers): Promise<SizeFixture> {
  const started = performance.now();
  const database = await recreateDatabase(options.databaseName);
  leftovers.databases.push(database);
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  leftovers.clients.push(sql);
  const port = options.port;
  const env = appEnv({
    port,
    appUrl: `http://127.0.0.1:${port}`,
    databaseUrl: database.url,
    bcryptCost: options.bcryptCost,
  });
  const { config } = loadConfig(env);
  await migrate(env);
  const tokenUsers = await seedUsers(database.url, {
    prefix: "bench-token",
    count: TOKEN_USERS,
    passwordHash: options.cheapHash,
    password: PASSWORD,
  });
  const signinUsers = await seedUsers(database.url, {
    prefix: "bench-signin",
    count: 32,
    passwordHash: options.realHash,
    password: PASSWORD,
  });
  await seedOrdinaryTrail(sql, tokenUsers.emails);
  // An admin API key with the scope GET /admin/users declares, made as `deno task admin-key create` makes one
  const adminKeyFile = await linesFile([await mintAdminKey(database.url, "bench-scale", requiredScopes())]);
  leftovers.files.push(adminKeyFile);
  if (options.users > 0) {
    await growTo(sql, 0, options.users, options.realHash);
    // Settle what the bulk inserts left to do before measuring, so autovacuum's insert-triggered
    // passes and the checkpointer's writes do not share the two cores with the scenarios
    await sql.unsafe("vacuum (analyze)");
    // CHECKPOINT needs a superuser or pg_checkpoint: without either the run goes on without it
    await sql.unsafe("checkpoint").catch(() => {});
  }
  const seedSeconds = (performance.now() - started) / 1000;

  const app = await startApp(`app-${options.users}`, env, SERVER_CPU);
  leftovers.servers.push(app);
  const ceilingEnv = { DATABASE_URL: database.url, JWT_SECRET: BENCH_SECRETS.JWT_SECRET };
  const meCeiling = await startCeiling("verify-select.ts", port + 10, ceilingEnv, SERVER_CPU);
  leftovers.servers.push(meCeiling);
  const pageCeiling = await startCeiling("page.ts", port + 11, ceilingEnv, SERVER_CPU);
  leftovers.servers.push(pageCeiling);
  const pairs = await mintPairs(app.url, tokenUsers.emails, PASSWORD, TOKEN_USERS);
  const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
  leftovers.files.push(tokensFile);
  const heavy = heavyUsersFor(options.users) > 0 ? await heavyFixture(sql, config, app.url) : undefined;
  if (heavy) leftovers.files.push(heavy.tokensFile);
  console.log(`${options.users} users ready in ${seedSeconds.toFixed(1)} s`);
  return {
    users: options.users,
    size: { users: options.users, counts: countsFor(options.users), seedSeconds, scenarios: {}, plans: [] },
    database,
    sql,
    config,
    app,
    meCeiling,
    pageCeiling,
    tokenEmails: tokenUsers.emails,
    signinEmails: signinUsers.emails,
    tokensFile,
    pairs,
    adminKeyFile,
    heavy,
  };
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

/** The live session and the event `offset` rows down the heavy user's lists, newest first. */
export async function deepPositions(sql: postgres.Sql, userId: string) {
  const [session] = await sql`
    select created_at, id from sessions where user_id = ${userId} and revoked_at is null and expires_at > now()
    order by created_at desc, id desc offset ${SESSIONS_DEEP} limit 1`;
  const [event] = await sql`
    select created_at, id from security_events where user_id = ${userId}
    order by created_at desc, id desc offset ${EVENTS_DEEP} limit 1`;
  return {
    session: { createdAt: session.created_at as Date, id: session.id as string },
    event: { createdAt: event.created_at as Date, id: event.id as string },
  };
}

/** Heavy user 1: tokens through sign-in, and cursors deep into its sessions and events. */
async function heavyFixture(sql: postgres.Sql, config: Config, appUrl: string): Promise<HeavyFixture> {
  const [user] = await sql`select id from users where email_normalized = ${heavyEmail(1)}`;
  const userId = user.id as string;
  const pairs = await mintPairs(appUrl, [heavyEmail(1)], PASSWORD, 4);
  const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
  const deep = await deepPositions(sql, userId);
  return {
    userId,
    tokensFile,
    pair: pairs[0],
    sessionsCursor: await encodeCursor(config, userId, deep.session, "sessions"),
    eventsCursor: await encodeCursor(config, userId, deep.event, "security-events"),
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
