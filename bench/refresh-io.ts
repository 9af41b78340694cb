/**
 * `deno run -A bench/refresh-io.ts [--users N] [--reps N] [--duration S] NAME=DIR NAME=DIR …`:
 * refresh chains against two or more checkouts of the service (DIR: a `git worktree` with its
 * `deno install` done), each on its own copy of one database grown to N users (default
 * 1,000,000), turn about; per run, what each refresh cost the database besides the time: blocks
 * read from outside shared buffers, buffer hits, WAL bytes and full-page images. The first
 * checkout migrates the grown database; each copy is then migrated by its own checkout.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && deno install --frozen)
 *   deno run -A bench/refresh-io.ts before=/tmp/before/ after=./
 *
 * bench/README.md, "Refresh I/O", shows what it measured. WAL and full-page images are the cluster's: the
 * checkouts run one at a time, and nothing else should.
 */
import { hash } from "@node-rs/bcrypt";
import postgres from "postgres";
import { recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { LOAD_CPU, PASSWORD, REFRESH_CONNECTIONS, SERVER_CPU, TOKEN_USERS } from "./lib/load.ts";
import { linesFile, mintPairs } from "./lib/mint.ts";
import { type ServerProcess, startServer, waitIdle } from "./lib/processes.ts";
import { growTo } from "./lib/scale/seed.ts";
import { appEnv, taskCommand } from "./lib/servers.ts";
import { ensureWrk, runWrk } from "./lib/wrk.ts";

const USAGE = "deno run -A bench/refresh-io.ts [--users N] [--reps N] [--duration S] NAME=DIR NAME=DIR …";
const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const BASE_DATABASE = "jessy_refresh_io";
const FIRST_PORT = 18_700;

interface Checkout {
  name: string;
  dir: string;
}

interface Options {
  users: number;
  repetitions: number;
  durationSeconds: number;
  checkouts: Checkout[];
}

function parseOptions(args: string[]): Options {
  const options: Options = { users: 1_000_000, repetitions: 5, durationSeconds: 5, checkouts: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const number = () => {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} needs a whole number\n${USAGE}`);
      return value;
    };
    if (arg === "--users") options.users = number();
    else if (arg === "--reps") options.repetitions = Math.max(1, number());
    else if (arg === "--duration") options.durationSeconds = Math.max(1, number());
    else if (/^[a-z][a-z0-9_]*=.+/.test(arg)) {
      const [name, dir] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
      options.checkouts.push({ name, dir: dir.endsWith("/") ? dir : `${dir}/` });
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (options.checkouts.length < 2) throw new Error(`name two checkouts or more\n${USAGE}`);
  return options;
}

/** Runs a deno.json task's command (`migrate`) in a checkout. */
async function runTask(task: string, dir: string, env: Record<string, string>): Promise<void> {
  const [command, ...args] = await taskCommand(task);
  const output = await new Deno.Command(command, { args, cwd: dir, env, stdout: "piped", stderr: "piped" }).output();
  if (!output.success) {
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    throw new Error(`${task} in ${dir} failed:\n${decode(output.stdout)}${decode(output.stderr)}`);
  }
}

function envFor(databaseUrl: string, port: number): Record<string, string> {
  return appEnv({ port, appUrl: `http://127.0.0.1:${port}`, databaseUrl, bcryptCost: 10 });
}

/** The grown database every checkout gets a copy of, migrated by the first checkout. */
async function growBase(options: Options): Promise<string[]> {
  const database = await recreateDatabase(BASE_DATABASE);
  await runTask("migrate", options.checkouts[0].dir, envFor(database.url, FIRST_PORT));
  const { emails } = await seedUsers(database.url, {
    prefix: "bench-token",
    count: TOKEN_USERS,
    passwordHash: await hash(PASSWORD, 4),
    password: PASSWORD,
  });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  try {
    const started = performance.now();
    await growTo(sql, 0, options.users, await hash(PASSWORD, 10));
    await sql.unsafe("vacuum (analyze)");
    console.log(`${options.users} users grown in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await sql.end();
  }
  return emails;
}

interface Counters {
  blocksRead: number;
  blocksHit: number;
  walBytes: number;
  fullPageImages: number;
}

async function counters(admin: postgres.Sql, database: string): Promise<Counters> {
  // Backends report their statistics at most once a second: wait that long for the last ones
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const [blocks] = await admin`
    select blks_read::float8 as read, blks_hit::float8 as hit from pg_stat_database where datname = ${database}`;
  const [wal] = await admin`select wal_bytes::float8 as bytes, wal_fpi::float8 as fpi from pg_stat_wal`;
  return { blocksRead: blocks.read, blocksHit: blocks.hit, walBytes: wal.bytes, fullPageImages: wal.fpi };
}

const options = parseOptions([...Deno.args]);
await ensureWrk();
const emails = await growBase(options);
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
const servers: Array<{ checkout: Checkout; database: string; server: ServerProcess }> = [];
try {
  for (const [index, checkout] of options.checkouts.entries()) {
    const database = `${BASE_DATABASE}_${checkout.name}`;
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.unsafe(`create database ${database} template ${BASE_DATABASE}`);
    const port = FIRST_PORT + 1 + index;
    const env = envFor(`postgres://postgres@127.0.0.1:5432/${database}`, port);
    const started = performance.now();
    await runTask("migrate", checkout.dir, env);
    console.log(`${checkout.name}: migrated in ${(performance.now() - started).toFixed(0)} ms`);
    const command = await taskCommand("start");
    const server = await startServer({
      name: `refresh-io-${checkout.name}`,
      command,
      env,
      port,
      readyPath: "/health/ready",
      cpus: SERVER_CPU,
      cwd: checkout.dir,
    });
    servers.push({ checkout, database, server });
  }
  await admin.unsafe("checkpoint");
  for (let rep = 1; rep <= options.repetitions; rep++) {
    for (const { checkout, database, server } of servers) {
      const pairs = await mintPairs(server.url, emails, PASSWORD, REFRESH_CONNECTIONS + 4);
      const tokens = await linesFile(pairs.map((pair) => pair.refresh_token));
      try {
        await waitIdle(server.pid);
        const before = await counters(admin, database);
        const run = await runWrk({
          url: `${server.url}/auth/refresh`,
          scripts: ["refresh.lua"],
          scriptArgs: [tokens],
          connections: REFRESH_CONNECTIONS,
          durationSeconds: options.durationSeconds,
          cpus: LOAD_CPU,
        });
        const after = await counters(admin, database);
        const refreshes = run.requests - run.non2xx;
        const per = (key: keyof Counters) => (after[key] - before[key]) / refreshes;
        console.log(
          `${checkout.name} #${rep}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99Ms.toFixed(1)} ms; per refresh: ` +
            `${per("blocksRead").toFixed(2)} blocks read, ${per("blocksHit").toFixed(1)} hit, ` +
            `${per("walBytes").toFixed(0)} B of WAL, ${per("fullPageImages").toFixed(2)} full-page images`,
        );
      } finally {
        await Deno.remove(tokens);
      }
    }
  }
} finally {
  for (const { server } of servers) await server.stop();
  for (const { database } of servers) await admin.unsafe(`drop database if exists ${database} with (force)`);
  await admin.unsafe(`drop database if exists ${BASE_DATABASE} with (force)`);
  await admin.end();
}
