/**
 * `deno run -A bench/page-depth.ts [users] [reps] [seconds]`: the heavy user's first, second and
 * deep pages (events at 20 and 50,000; sessions at 50 and 5,000), turn about, on a database of its
 * own grown to `users` (default 100,000). Deep against second shows what depth costs; second
 * against first, what a cursor costs (decoding and checking it). bench/README.md, "Page depth".
 */
import { hash } from "@node-rs/bcrypt";
import postgres from "postgres";
import { parseArgs } from "./lib/args.ts";
import { recreateDatabase } from "./lib/bench-db.ts";
import { fixedArgs, rotate, type Side } from "./lib/compare.ts";
import { HTTP_CONNECTIONS, LOAD_CPU, PASSWORD, SERVER_CPU } from "./lib/load.ts";
import { linesFile, mintPairs } from "./lib/mint.ts";
import { deepPositions } from "./lib/scale/fixture.ts";
import { growTo, heavyEmail } from "./lib/scale/seed.ts";
import { appEnv, migrate, startApp } from "./lib/servers.ts";
import { ensureWrk } from "./lib/wrk.ts";
import { loadConfig } from "../src/config.ts";
import { encodeCursor } from "../src/services/keyset-cursor.ts";

const users = Number(Deno.args[0] ?? 100_000);
const settings = {
  ...parseArgs([]),
  repetitions: Number(Deno.args[1] ?? 3),
  durationSeconds: Number(Deno.args[2] ?? 4),
  warmupSeconds: 2,
};
/** The rate limiter's window, and a second more: both lists are one user's */
const RATE_WINDOW_MS = 61_000;

await ensureWrk();
const database = await recreateDatabase("jessy_page_depth");
const sql = postgres(database.url, { max: 2, onnotice: () => {} });
const env = appEnv({ port: 18_390, appUrl: "http://127.0.0.1:18390", databaseUrl: database.url, bcryptCost: 10 });
const { config } = loadConfig(env);
try {
  await migrate(env);
  await growTo(sql, 0, users, await hash(PASSWORD, 4));
  await sql.unsafe("vacuum (analyze)");
  const app = await startApp("page-depth", env, SERVER_CPU);
  try {
    const [user] = await sql`select id from users where email_normalized = ${heavyEmail(1)}`;
    const userId = user.id as string;
    const tokens = await linesFile((await mintPairs(app.url, [heavyEmail(1)], PASSWORD, 4)).map((p) => p.access_token));
    const side = (path: string): Side => ({
      url: app.url + path,
      pid: app.pid,
      scripts: ["bearer.lua"],
      prepare: fixedArgs([tokens]),
    });
    const second = await secondPositions(sql, userId);
    const deep = await deepPositions(sql, userId);
    const lists = [
      ["security-events", "/auth/security-events", second.event, deep.event],
      ["sessions", "/auth/sessions", second.session, deep.session],
    ] as const;
    for (const [index, [list, path, secondAt, deepAt]] of lists.entries()) {
      if (index > 0) await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_MS));
      const cursor = (at: { createdAt: Date; id: string }) => encodeCursor(config, userId, at, list);
      const [first, next, far] = await rotate(
        settings,
        { label: list, connections: HTTP_CONNECTIONS, cpus: LOAD_CPU },
        [
          { label: "first", side: side(path) },
          { label: "second", side: side(`${path}?cursor=${await cursor(secondAt)}`) },
          { label: "deep", side: side(`${path}?cursor=${await cursor(deepAt)}`) },
        ],
      );
      const figure = (f: typeof first) =>
        `${f.rps.median.toFixed(0)} req/s (${f.cpuMicrosPerRequest.toFixed(0)} µs CPU)`;
      console.log(
        `${list}: first ${figure(first)}, second ${figure(next)}, deep ${figure(far)}; deep/second ${
          (far.rps.median / next.rps.median * 100).toFixed(0)
        }%, second/first ${(next.rps.median / first.rps.median * 100).toFixed(0)}%`,
      );
    }
    await Deno.remove(tokens);
  } finally {
    await app.stop();
  }
} finally {
  await sql.end();
  await database.drop();
}

/** The rows the second page of each list starts after: the last of a default first page. */
async function secondPositions(sql: postgres.Sql, userId: string) {
  const [session] = await sql`
    select created_at, id from sessions where user_id = ${userId} and revoked_at is null and expires_at > now()
    order by created_at desc, id desc offset 49 limit 1`;
  const [event] = await sql`
    select created_at, id from security_events where user_id = ${userId}
    order by created_at desc, id desc offset 19 limit 1`;
  return {
    session: { createdAt: session.created_at as Date, id: session.id as string },
    event: { createdAt: event.created_at as Date, id: event.id as string },
  };
}
