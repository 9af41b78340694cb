/**
 * Does a slow webhook receiver slow requests down? Run by hand (not by `deno task bench`, not a test):
 *
 *   deno run -A bench/webhook-load.ts [--reps 3] [--duration 10] [--cost 10] [--events 10]
 *
 * Starts the service in production mode (`deno task start`'s command) on its own database
 * (`jessy_webhook_bench`, re-created, dropped at the end) and measures `POST /auth/signin` and
 * `GET /auth/me` with wrk in two phases, turn about: no webhook endpoint, and two slow endpoints
 * subscribed to every event (one answers after 5 s, one never answers, so each attempt runs into
 * the 10 s deadline). Throughout both phases events keep coming: `--events` logouts a second
 * (session.revoked) and one sign-up a second (user.created, a bcrypt hash at `--cost`), so with the
 * endpoints subscribed the worker always has deliveries in flight and a growing backlog.
 */
import postgres from "postgres";
import { hash } from "@node-rs/bcrypt";
import { WEBHOOK_EVENT_TYPES } from "../src/webhook-event-types.ts";
import { mintAdminKey, recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { linesFile, type MintedPair, mintPairs } from "./lib/mint.ts";
import { cpuTicks } from "./lib/processes.ts";
import { appEnv, migrate, startApp } from "./lib/servers.ts";
import { ensureWrk, runWrk, type WrkResult } from "./lib/wrk.ts";

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  return index >= 0 ? Number(Deno.args[index + 1]) : fallback;
}

const REPS = option("reps", 3);
const DURATION = option("duration", 10);
const COST = option("cost", 10);
const EVENTS_PER_SECOND = option("events", 10);
const PORT = 18_900 + Math.floor(Math.random() * 90);
const PASSWORD = "bench password 0123456789";
/** The service's per-attempt deadline: an attempt at the hanging receiver ends within it */
const DEADLINE_MS = 10_000;

type Phase = "none" | "slow";
/** Linux counts CPU time in ticks of 10 ms */
const MICROS_PER_TICK = 10_000;

/** A wrk run with the service's CPU time per answered request (the event stream's and the worker's work included). */
type Measured = WrkResult & { cpuMicrosPerRequest: number };

interface PhaseFigures {
  signin: Measured;
  me: Measured;
  /** Deliveries pending when the phase ended */
  pending: number;
  /** Deliveries queued during the phase */
  queued: number;
  /** The healthy endpoint's deliveries: sent, and queued for it */
  healthy: { sent: number; queued: number };
  /** The event stream's answers by path and status */
  answers: Record<string, number>;
}

/**
 * Receivers on 127.0.0.1: one answers after 5 s, one holds every request until the run ends, and
 * a healthy one that answers at once (subscribed with them, to see whether they hold it up).
 */
function slowReceivers(closing: AbortSignal) {
  const received = { slow: 0, hanging: 0, healthy: 0 };
  const healthy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    await request.text();
    received.healthy++;
    return new Response(null, { status: 204 });
  });
  const slow = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    await request.text();
    received.slow++;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    return new Response(null, { status: 204 });
  });
  const hanging = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    await request.text();
    received.hanging++;
    await new Promise((resolve) => closing.addEventListener("abort", resolve, { once: true }));
    return new Response(null, { status: 503 });
  });
  return {
    received,
    urls: [`http://127.0.0.1:${slow.addr.port}/slow`, `http://127.0.0.1:${hanging.addr.port}/hanging`],
    healthyUrl: `http://127.0.0.1:${healthy.addr.port}/healthy`,
    close: () => Promise.all([slow.shutdown(), hanging.shutdown(), healthy.shutdown()]),
  };
}

/** Logouts at `perSecond` and one sign-up a second until stopped: the events the endpoints receive. */
function eventStream(baseUrl: string, pairs: { list: MintedPair[]; next: number }, perSecond: number) {
  let signups = 0;
  /** Answers by path and status, e.g. `/auth/logout 204` */
  const answers: Record<string, number> = {};
  const post = (path: string, init: RequestInit) =>
    fetch(`${baseUrl}${path}`, { method: "POST", ...init })
      .then(async (response) => {
        await response.body?.cancel();
        answers[`${path} ${response.status}`] = (answers[`${path} ${response.status}`] ?? 0) + 1;
      })
      .catch(() => void (answers[`${path} error`] = (answers[`${path} error`] ?? 0) + 1));
  const logouts = setInterval(() => {
    // Each pair is logged out once: the cursor goes on from phase to phase
    const index = pairs.next++;
    if (index >= pairs.list.length) return;
    void post("/auth/logout", {
      headers: {
        Authorization: `Bearer ${pairs.list[index].access_token}`,
        "X-Forwarded-For": `10.78.0.${index % 250}`,
      },
    });
  }, 1000 / perSecond);
  const signup = setInterval(() => {
    const email = `stream-${Date.now()}-${signups++}@bench.test`;
    void post("/auth/signup", {
      headers: { "Content-Type": "application/json", "X-Forwarded-For": `10.77.0.${signups % 250}` },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
  }, 1000);
  return {
    answers,
    stop() {
      clearInterval(logouts);
      clearInterval(signup);
    },
  };
}

/** What one phase needs: the instance, its admin key, the receivers, the load's files. */
interface Run {
  appUrl: string;
  pid: number;
  key: string;
  urls: string[];
  sql: postgres.Sql;
  emailsFile: string;
  tokensFile: string;
  streamPairs: { list: MintedPair[]; next: number };
}

function admin(run: Run, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${run.appUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${run.key}`, "Content-Type": "application/json" },
  });
}

/** Both receivers subscribed to every event type. */
async function subscribe(run: Run): Promise<void> {
  for (const url of run.urls) {
    const response = await admin(run, "/admin/webhooks", {
      method: "POST",
      body: JSON.stringify({ url, events: WEBHOOK_EVENT_TYPES }),
    });
    if (response.status !== 201) throw new Error(`subscribe: ${response.status} ${await response.text()}`);
    await response.body?.cancel();
  }
}

/** Every endpoint removed (with its deliveries), and the attempts still in flight past their deadline. */
async function unsubscribe(run: Run): Promise<void> {
  const { data } = await (await admin(run, "/admin/webhooks")).json();
  for (const endpoint of data) await (await admin(run, `/admin/webhooks/${endpoint.id}`, { method: "DELETE" })).text();
  await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 1000));
}

async function withCpu(pid: number, wrk: Parameters<typeof runWrk>[0]): Promise<Measured> {
  const before = await cpuTicks(pid);
  const result = await runWrk(wrk);
  const micros = (await cpuTicks(pid) - before) * MICROS_PER_TICK;
  const answered = result.requests - result.non2xx;
  return { ...result, cpuMicrosPerRequest: answered > 0 ? micros / answered : NaN };
}

/** Sign-in, then /auth/me, while events keep coming; with the slow endpoints subscribed or none. */
async function measure(run: Run, phase: Phase): Promise<PhaseFigures> {
  if (phase === "slow") await subscribe(run);
  const stream = eventStream(run.appUrl, run.streamPairs, EVENTS_PER_SECOND);
  try {
    // Let the worker fill its lanes before measuring
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const signin = await withCpu(run.pid, {
      url: `${run.appUrl}/auth/signin`,
      scripts: ["signin.lua"],
      scriptArgs: [run.emailsFile, PASSWORD],
      connections: 8,
      durationSeconds: DURATION,
      timeoutSeconds: 30,
    });
    const me = await withCpu(run.pid, {
      url: `${run.appUrl}/auth/me`,
      scripts: ["bearer.lua"],
      scriptArgs: [run.tokensFile],
      connections: 32,
      durationSeconds: DURATION,
    });
    const [{ pending, queued }] = await run.sql`
      select count(*) filter (where status = 'pending')::int as pending, count(*)::int as queued
      from webhook_deliveries`;
    // The healthy endpoint subscribed beside the slow ones: how much of what it was due did it get?
    const [healthy] = await run.sql`
      select count(*) filter (where d.status = 'sent')::int as sent, count(*)::int as queued
      from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
      where e.url = ${run.urls[run.urls.length - 1]}`;
    return {
      signin,
      me,
      pending,
      queued,
      healthy: { sent: healthy.sent, queued: healthy.queued },
      answers: { ...stream.answers },
    };
  } finally {
    stream.stop();
    if (phase === "slow") await unsubscribe(run);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const wrkVersion = await ensureWrk();
  const database = await recreateDatabase("jessy_webhook_bench");
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const closing = new AbortController();
  const receivers = slowReceivers(closing.signal);
  const env = {
    ...appEnv({
      port: PORT,
      appUrl: `http://127.0.0.1:${PORT}`,
      databaseUrl: database.url,
      bcryptCost: COST,
    }),
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
  };
  const app = await (async () => {
    await migrate(env);
    return await startApp("app-webhooks", env);
  })();
  try {
    const signinUsers = await seedUsers(database.url, {
      prefix: "bench-signin",
      count: 32,
      passwordHash: await hash(PASSWORD, COST),
      password: PASSWORD,
    });
    const tokenUsers = await seedUsers(database.url, {
      prefix: "bench-token",
      count: 200,
      passwordHash: await hash(PASSWORD, 4),
      password: PASSWORD,
    });
    const key = await mintAdminKey(database.url, "webhook-bench", ["webhooks:read", "webhooks:write"]);
    const meTokens = await mintPairs(app.url, tokenUsers.emails, PASSWORD, 200);
    const streamPairs = await mintPairs(
      app.url,
      tokenUsers.emails,
      PASSWORD,
      Math.ceil(EVENTS_PER_SECOND * (DURATION * 2 + 5) * REPS * 2 * 1.2),
    );
    const emailsFile = await linesFile(signinUsers.emails);
    const tokensFile = await linesFile(meTokens.map((pair) => pair.access_token));
    const run: Run = {
      appUrl: app.url,
      pid: app.pid,
      key,
      urls: [...receivers.urls, receivers.healthyUrl],
      sql,
      emailsFile,
      tokensFile,
      streamPairs: { list: streamPairs, next: 0 },
    };

    const figures: Record<Phase, PhaseFigures[]> = { none: [], slow: [] };
    for (let rep = 0; rep < REPS; rep++) {
      const order: Phase[] = rep % 2 === 0 ? ["none", "slow"] : ["slow", "none"];
      for (const phase of order) {
        const result = await measure(run, phase);
        figures[phase].push(result);
        console.log(
          `rep ${rep + 1} ${phase}: sign-in ${result.signin.rps.toFixed(1)}/s p99 ${
            result.signin.p99Ms.toFixed(0)
          } ms, ${
            (result.signin.cpuMicrosPerRequest / 1000).toFixed(0)
          } ms CPU/req (${result.signin.non2xx} non-2xx) · /auth/me ${result.me.rps.toFixed(0)}/s p99 ${
            result.me.p99Ms.toFixed(1)
          } ms, ${
            result.me.cpuMicrosPerRequest.toFixed(0)
          } µs CPU/req (${result.me.non2xx} non-2xx) · ${result.queued} deliveries queued, ${result.pending} pending, ` +
            `healthy endpoint sent ${result.healthy.sent} of ${result.healthy.queued} · ${
              JSON.stringify(result.answers)
            }`,
        );
      }
    }
    console.log(`\n${wrkVersion}; bcrypt cost ${COST}; ${REPS} × ${DURATION} s per phase; medians:`);
    console.log(
      "| endpoints | sign-in req/s | sign-in p50 / p99 ms | sign-in CPU ms/req | /auth/me req/s | " +
        "/auth/me p50 / p99 ms | /auth/me CPU µs/req | pending at end |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const phase of ["none", "slow"] as const) {
      const m = (pick: (run: PhaseFigures) => number, digits: number) =>
        median(figures[phase].map(pick)).toFixed(digits);
      const cells = [
        phase === "none" ? "none" : "2 slow (5 s, hanging)",
        m((r) => r.signin.rps, 1),
        `${m((r) => r.signin.p50Ms, 0)} / ${m((r) => r.signin.p99Ms, 0)}`,
        m((r) => r.signin.cpuMicrosPerRequest / 1000, 0),
        m((r) => r.me.rps, 0),
        `${m((r) => r.me.p50Ms, 1)} / ${m((r) => r.me.p99Ms, 1)}`,
        m((r) => r.me.cpuMicrosPerRequest, 0),
        m((r) => r.pending, 0),
      ];
      console.log(`| ${cells.join(" | ")} |`);
    }
    console.log(
      `Receivers got: ${receivers.received.slow} at the 5 s one, ${receivers.received.hanging} at the hanging one, ` +
        `${receivers.received.healthy} at the healthy one; the healthy endpoint was sent ` +
        `${figures.slow.reduce((sum, run) => sum + run.healthy.sent, 0)} of the ` +
        `${figures.slow.reduce((sum, run) => sum + run.healthy.queued, 0)} deliveries queued for it`,
    );
  } finally {
    closing.abort();
    await app.stop();
    await receivers.close();
    await sql.end();
    await database.drop();
  }
}

if (import.meta.main) await main();
