/**
 * The admin API on PostgreSQL, run by hand (not by `deno task bench`, not a test):
 *
 *   deno run -A bench/admin.ts [--users 10000] [--events 100000] [--rounds 5] [--exports 3]
 *
 * Starts the service in production mode (`deno task start`'s command) on its own database
 * (`jessy_admin_bench`, re-created, dropped at the end), seeds users and security events
 * set-based, then measures:
 * - the latency of `GET /admin/users` pages: walking every user 100 at a time (`rounds` times),
 *   and prefix searches of random address prefixes, one request at a time; p50/p99/max;
 * - an NDJSON export of every event: its duration, its line count, and the server's VmRSS
 *   sampled every 50 ms while it streams (start, peak, end), after a run over a tenth of the range, `exports`
 *   times over, so growth across runs (a leak) tells from a heap that settles.
 */
import postgres from "postgres";
import { ADMIN_SCOPES } from "../src/services/admin/scopes.ts";
import { sha256Hex } from "../src/services/secrets.ts";
import { recreateDatabase } from "./lib/bench-db.ts";
import { readRssMb } from "./lib/processes.ts";
import { appEnv, migrate, startApp } from "./lib/servers.ts";

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  return index >= 0 ? Number(Deno.args[index + 1]) : fallback;
}

const USERS = option("users", 10_000);
const EVENTS = option("events", 100_000);
const ROUNDS = option("rounds", 5);
const EXPORTS = option("exports", 3);
const PORT = 18_400 + Math.floor(Math.random() * 500);
const KEY = "jak_" + "b".repeat(43);
const BASE = "2026-06-01T00:00:00Z";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function describe(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(2);
  return `${label}: n=${samples.length} p50 ${f(percentile(sorted, 0.5))} ms, p99 ${f(percentile(sorted, 0.99))} ms, ` +
    `max ${f(sorted[sorted.length - 1])} ms`;
}

async function seed(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      insert into users (email, email_normalized, name, password_hash, email_verified, created_at, updated_at)
      select e, e, 'seeded', 'not-a-real-hash', i % 10 <> 0, timestamptz '${BASE}' + i * interval '1 second', now()
      from generate_series(1, ${USERS}) as i,
        lateral (select format('%s-%s@bench%s.example', (array['alpha', 'beta', 'gamma', 'delta'])[i % 4 + 1],
          lpad(i::text, 6, '0'), i % 7) as e) as emails`);
    await sql.unsafe(`
      insert into security_events (user_id, type, ip, user_agent, created_at)
      select u.id, (array['signin_succeeded', 'signin_failed', 'logout'])[i % 3 + 1], '203.0.113.7', 'bench',
        timestamptz '${BASE}' + i * interval '1 second'
      from generate_series(1, ${EVENTS}) as i
      join (select id, row_number() over (order by id) - 1 as n from users) as u on u.n = i % ${USERS}`);
    await sql`insert into admin_api_keys (name, key_hash, scopes) values ('bench', ${sha256Hex(KEY)}, ${
      ADMIN_SCOPES.join(" ")
    })`;
    await sql.unsafe("analyze");
  } finally {
    await sql.end();
  }
}

async function timedJson(url: string): Promise<{ ms: number; body: { users: unknown[]; next_cursor: string | null } }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { Authorization: `Bearer ${KEY}` } });
  const body = await response.json();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function pageLatencies(base: string) {
  const walk: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let cursor: string | null = null;
    let seen = 0;
    do {
      const { ms, body }: Awaited<ReturnType<typeof timedJson>> = await timedJson(
        `${base}/admin/users?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      walk.push(ms);
      seen += body.users.length;
      cursor = body.next_cursor;
    } while (cursor);
    if (seen !== USERS) throw new Error(`walked ${seen} users, expected ${USERS}`);
  }
  const prefix: number[] = [];
  const words = ["alpha", "beta", "gamma", "delta"];
  for (let i = 0; i < ROUNDS * 100; i++) {
    const digits = String(Math.floor(Math.random() * 1000)).padStart(3, "0");
    const { ms } = await timedJson(`${base}/admin/users?limit=20&email=${words[i % 4]}-${digits}`);
    prefix.push(ms);
  }
  return { walk, prefix };
}

async function exportRun(base: string, pid: number, query: string) {
  const samples: number[] = [await readRssMb(pid)];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      // Sampling a running server: real time is the point
      await new Promise((resolve) => setTimeout(resolve, 50));
      samples.push(await readRssMb(pid));
    }
  })();
  const started = performance.now();
  const response = await fetch(`${base}/admin/security-events${query}`, {
    headers: { Authorization: `Bearer ${KEY}`, Accept: "application/x-ndjson" },
  });
  const decoder = new TextDecoder();
  let rest = "";
  let lines = 0;
  let bytes = 0;
  for await (const chunk of response.body!) {
    bytes += chunk.length;
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    rest = parts.pop()!;
    for (const line of parts) {
      JSON.parse(line);
      lines++;
    }
  }
  const ms = performance.now() - started;
  sampling = false;
  await sampler;
  samples.push(await readRssMb(pid));
  return { lines, bytes, ms, start: samples[0], peak: Math.max(...samples), end: samples[samples.length - 1], samples };
}

async function main() {
  const database = await recreateDatabase("jessy_admin_bench");
  const env = appEnv({
    port: PORT,
    appUrl: `http://127.0.0.1:${PORT}`,
    databaseUrl: database.url,
    bcryptCost: 10,
  });
  try {
    await migrate(env);
    const seeding = performance.now();
    await seed(database.url);
    console.log(`seeded ${USERS} users and ${EVENTS} events in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const app = await startApp("admin", { ...env, RATE_LIMIT_ADMIN_PER_MINUTE: "100000" });
    try {
      const base = app.url;
      const { walk, prefix } = await pageLatencies(base);
      console.log(describe(`GET /admin/users, ${USERS} users walked 100 a page, ${ROUNDS} rounds`, walk));
      console.log(describe("GET /admin/users?email=<random prefix>&limit=20", prefix));
      const tenth = new Date(Date.parse(BASE) + (EVENTS / 10 + 1) * 1000).toISOString();
      const runs = [
        ["a tenth", `?until=${tenth}`],
        ...Array.from({ length: EXPORTS }, (_, i) => [`all, #${i + 1}`, ""]),
      ];
      for (const [label, query] of runs) {
        const run = await exportRun(base, app.pid, query);
        console.log(
          `NDJSON export (${label}): ${run.lines} lines, ${(run.bytes / 1e6).toFixed(1)} MB in ${
            (run.ms / 1000).toFixed(2)
          } s; server RSS ${run.start.toFixed(1)} → peak ${run.peak.toFixed(1)} → ${run.end.toFixed(1)} MB ` +
            `(${run.samples.length} samples)`,
        );
      }
    } finally {
      await app.stop();
    }
  } finally {
    await database.drop();
  }
}

await main();
