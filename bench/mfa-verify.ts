/**
 * What the second step of a sign-in costs the server: POST /auth/mfa/verify with a TOTP code.
 *
 * `deno run -A bench/mfa-verify.ts [--users 500] [--reps 3] [--concurrency 8]` starts the service in
 * production mode (`deno task start`'s command, pinned to core 0) on the machine's PostgreSQL in a
 * database of its own (`jessy_mfa_verify`, re-created and dropped at the end), seeds `users × (reps + 1)`
 * verified accounts (bcrypt cost 4: the password is not what is measured; the extra group is a
 * warm-up round that is not counted), and turns an authenticator on for each through the API
 * (sign-in, POST /auth/mfa/totp, POST /auth/mfa/totp/activate). Each
 * repetition then takes its own `users` accounts: it signs each in (the first step, which answers an
 * `mfa_token`), waits for the server to go idle, and sends each account's verify with the code of the
 * current step, `concurrency` at a time. A code works once per account and step, so every request is
 * a real first use, as in production. It reports, per step, requests per second, p50/p99 latency and
 * the server's CPU time per request (utime + stime from /proc/<pid>/stat). A run by hand, not a test.
 * See bench/README.md.
 */
import { hash } from "@node-rs/bcrypt";
import { currentTotpCode, TOTP_PERIOD_SECONDS } from "../src/services/mfa/totp.ts";
import { recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { CHEAP_COST, PASSWORD, SERVER_CPU } from "./lib/load.ts";
import { cpuTicks, waitIdle } from "./lib/processes.ts";
import { appEnv, BENCH_KEY_ENCRYPTION_KEY, migrate, startApp } from "./lib/servers.ts";
import { median, summarize } from "./lib/stats.ts";

const MICROS_PER_TICK = 10_000;

interface Settings {
  users: number;
  reps: number;
  concurrency: number;
  port: number;
  databaseName: string;
}

function parseSettings(args: string[]): Settings {
  const settings: Settings = { users: 500, reps: 3, concurrency: 8, port: 18_520, databaseName: "jessy_mfa_verify" };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--users") settings.users = value;
    else if (args[i] === "--reps") settings.reps = value;
    else if (args[i] === "--concurrency") settings.concurrency = value;
    else if (args[i] === "--port") settings.port = value;
    else {
      throw new Error(
        `unknown flag ${
          args[i]
        }\nusage: deno run -A bench/mfa-verify.ts [--users 500] [--reps 3] [--concurrency 8] [--port 18520]`,
      );
    }
  }
  return settings;
}

/** Runs `work(i)` for i in [0, count), `concurrency` at a time; returns each call's latency in ms. */
async function pooled(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      const started = performance.now();
      await work(index);
      latencies.push(performance.now() - started);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function postJson(url: string, body: unknown, index: number, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // One client address per account, as many users signing in would be
      "x-forwarded-for": `10.98.${index >> 8 & 255}.${index & 255}`,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${new URL(url).pathname} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

interface StepFigures {
  rps: number;
  p50: number;
  p99: number;
  cpuMicros: number;
}

/** Times `count` requests of one kind against the server; CPU is the server's, read before and after. */
async function measure(
  pid: number,
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<StepFigures> {
  await waitIdle(pid);
  const ticks = await cpuTicks(pid);
  const started = performance.now();
  const latencies = await pooled(count, concurrency, work);
  const seconds = (performance.now() - started) / 1000;
  const micros = (await cpuTicks(pid) - ticks) * MICROS_PER_TICK;
  return {
    rps: count / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMicros: micros / count,
  };
}

async function main(settings: Settings): Promise<void> {
  const database = await recreateDatabase(settings.databaseName);
  const appUrl = `http://127.0.0.1:${settings.port}`;
  const env = {
    ...appEnv({ port: settings.port, appUrl, databaseUrl: database.url, bcryptCost: 12 }),
    // Production seals TOTP secrets under it and refuses to enrol without it
    KEY_ENCRYPTION_KEY: BENCH_KEY_ENCRYPTION_KEY,
  };
  await migrate(env);
  // One more group than repetitions: the first warms the JIT up and is not counted
  const total = settings.users * (settings.reps + 1);
  const { emails } = await seedUsers(database.url, {
    prefix: "bench-mfa",
    count: total,
    passwordHash: await hash(PASSWORD, CHEAP_COST),
    password: PASSWORD,
  });
  const app = await startApp("mfa-verify", env, SERVER_CPU);
  try {
    const secrets: string[] = new Array(total);
    const enrolStarted = performance.now();
    await pooled(total, settings.concurrency, async (i) => {
      const pair = await postJson(`${appUrl}/auth/signin`, { email: emails[i], password: PASSWORD }, i);
      const { secret } = await postJson(`${appUrl}/auth/mfa/totp`, {}, i, pair.access_token);
      await postJson(
        `${appUrl}/auth/mfa/totp/activate`,
        { code: currentTotpCode(secret, new Date()) },
        i,
        pair.access_token,
      );
      secrets[i] = secret;
    });
    console.log(`${total} authenticators on in ${((performance.now() - enrolStarted) / 1000).toFixed(1)} s`);
    // The activating codes' steps are spent: start on the next step
    const stepMs = TOTP_PERIOD_SECONDS * 1000;
    await new Promise((resolve) => setTimeout(resolve, stepMs - (Date.now() % stepMs) + 100));

    const firstStep: StepFigures[] = [];
    const verify: StepFigures[] = [];
    for (let rep = -1; rep < settings.reps; rep++) {
      const offset = (rep + 1) * settings.users;
      const tokens: string[] = new Array(settings.users);
      firstStep.push(
        await measure(app.pid, settings.users, settings.concurrency, async (i) => {
          const answer = await postJson(
            `${appUrl}/auth/signin`,
            { email: emails[offset + i], password: PASSWORD },
            offset + i,
          );
          if (answer.mfa_required !== true) throw new Error("sign-in did not ask for the second factor");
          tokens[i] = answer.mfa_token;
        }),
      );
      verify.push(
        await measure(app.pid, settings.users, settings.concurrency, async (i) => {
          const pair = await postJson(
            `${appUrl}/auth/mfa/verify`,
            { mfa_token: tokens[i], code: currentTotpCode(secrets[offset + i], new Date()) },
            offset + i,
          );
          if (typeof pair.access_token !== "string") throw new Error("verify handed out no token");
        }),
      );
      if (rep < 0) {
        firstStep.pop();
        verify.pop();
        continue;
      }
      const [a, b] = [firstStep.at(-1)!, verify.at(-1)!];
      console.log(
        `rep ${rep + 1}: sign-in (cost 4) ${a.rps.toFixed(0)} req/s, p50/p99 ${a.p50.toFixed(1)}/${
          a.p99.toFixed(1)
        } ms, ${a.cpuMicros.toFixed(0)} µs CPU/req; verify ${b.rps.toFixed(0)} req/s, p50/p99 ${b.p50.toFixed(1)}/${
          b.p99.toFixed(1)
        } ms, ${b.cpuMicros.toFixed(0)} µs CPU/req`,
      );
    }
    for (const [name, figures] of [["sign-in, first step (bcrypt cost 4)", firstStep], ["verify", verify]] as const) {
      const rps = summarize(figures.map((figure) => figure.rps));
      console.log(
        `${name}: ${rps.median.toFixed(0)} req/s ±${(rps.spread * 100).toFixed(0)}%, p50 ${
          median(figures.map((figure) => figure.p50)).toFixed(1)
        } ms, p99 ${median(figures.map((figure) => figure.p99)).toFixed(1)} ms, ${
          median(figures.map((figure) => figure.cpuMicros)).toFixed(0)
        } µs CPU/req (medians of ${settings.reps}; ${settings.users} requests each, ${settings.concurrency} at a time)`,
      );
    }
  } finally {
    await app.stop();
    await database.drop();
  }
}

if (import.meta.main) await main(parseSettings(Deno.args));
