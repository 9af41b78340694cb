/**
 * Does an account endpoint answer at another speed when the address has an account?
 *
 * `deno run -A bench/timing.ts [--n 200] [--cost 10] [--only signup,signin,…]` starts the service in
 * production mode on the machine's PostgreSQL (a database of its own, `jessy_timing`, dropped and
 * re-created), seeds accounts, then sends each endpoint `n` requests for known addresses and `n`
 * for unknown ones, one at a time in a shuffled order (30 ms apart, so work an endpoint does after
 * answering never overlaps the next request), and compares the two latency samples:
 * medians and the Mann–Whitney U test's two-sided p-value. A run by hand, not a test: timings
 * on a shared machine are evidence, not a gate. See bench/README.md.
 */
import { hash } from "@node-rs/bcrypt";
import postgres from "postgres";
import { recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { mannWhitney } from "./lib/mann-whitney.ts";
import type { ServerProcess } from "./lib/processes.ts";
import { appEnv, migrate, startApp } from "./lib/servers.ts";
import { median } from "./lib/stats.ts";

const PASSWORD = "timing-password-correct-horse";
const ENDPOINTS = ["signup", "signin", "verify-email", "resend", "request-password-reset"] as const;
type Endpoint = typeof ENDPOINTS[number];

interface Settings {
  n: number;
  warmup: number;
  /** Pause after each request, in ms */
  gapMs: number;
  cost: number;
  port: number;
  databaseName: string;
  redisUrl?: string;
  only: Endpoint[];
}

function parseSettings(args: string[]): Settings {
  const settings: Settings = {
    n: 200,
    warmup: 20,
    gapMs: 30,
    cost: 10,
    port: 18_480,
    databaseName: "jessy_timing",
    only: [...ENDPOINTS],
  };
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    switch (args[i]) {
      case "--n":
        settings.n = Number(value);
        break;
      case "--warmup":
        settings.warmup = Number(value);
        break;
      case "--gap":
        settings.gapMs = Number(value);
        break;
      case "--cost":
        settings.cost = Number(value);
        break;
      case "--port":
        settings.port = Number(value);
        break;
      case "--redis":
        settings.redisUrl = value;
        break;
      case "--only":
        settings.only = value.split(",").filter((name): name is Endpoint => {
          if (!(ENDPOINTS as readonly string[]).includes(name)) throw new Error(`unknown endpoint ${name}`);
          return true;
        });
        break;
      default:
        throw new Error(
          `unknown flag ${
            args[i]
          }\nusage: deno run -A bench/timing.ts [--n 200] [--warmup 20] [--gap 30] [--cost 10] ` +
            `[--port 18480] [--redis redis://127.0.0.1:6379/9] [--only ${ENDPOINTS.join(",")}]`,
        );
    }
    i++;
  }
  if (!Number.isInteger(settings.n) || settings.n < 20) throw new Error("--n needs an integer of at least 20");
  return settings;
}

/** One request of a run: which side it measures and what it sends. */
interface Probe {
  known: boolean;
  body: Record<string, string>;
}

interface EndpointResult {
  endpoint: Endpoint;
  known: number[];
  unknown: number[];
  /** Status codes seen per side, e.g. { known: "202×200", unknown: "202×200" } */
  statuses: { known: string; unknown: string };
}

/**
 * The unknown twin of a known address: same length, same shape, same domain, one word changed
 * (`reset-known-17@bench.test` → `reset-nohit-17@bench.test`), so nothing but the account differs.
 */
function unknownTwin(known: string): string {
  const twin = known.replace("-known-", "-nohit-");
  if (twin === known) throw new Error(`${known} has no -known- to replace`);
  return twin;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A client address per request, as behind a load balancer (TRUST_PROXY=1), so no per-IP quota binds. */
function forwardedFor(i: number): string {
  return `10.77.${(i >> 8) & 255}.${i & 255}`;
}

let requestCounter = 0;

async function post(baseUrl: string, path: string, body: unknown): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor(requestCounter++) },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

function tally(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${status}×${count}`).join(" ");
}

/** Unverified accounts made through the API (whatever the schema keeps of a sign-up), their mail aged past the throttle. */
async function signUpUnverified(baseUrl: string, databaseUrl: string, label: string, count: number) {
  const emails = Array.from({ length: count }, (_, i) => `${label}-${i}@timing.test`);
  let next = 0;
  async function worker() {
    while (next < emails.length) {
      const email = emails[next++];
      const { status } = await post(baseUrl, "/auth/signup", { email, password: PASSWORD });
      if (status !== 201) throw new Error(`Seeding sign-up gave ${status}`);
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker));
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`update mail_outbox set created_at = created_at - interval '10 minutes' where to_address = any(${emails})`;
  } finally {
    await sql.end();
  }
  return emails;
}

/** Runs warm-up requests, then the measured ones in a shuffled order. */
async function measure(
  settings: Settings,
  baseUrl: string,
  endpoint: Endpoint,
  path: string,
  probes: Probe[],
  warmup: Probe[],
): Promise<EndpointResult> {
  for (const probe of warmup) {
    await post(baseUrl, path, probe.body);
    await new Promise((resolve) => setTimeout(resolve, settings.gapMs));
  }
  const known: number[] = [];
  const unknown: number[] = [];
  const statuses = { known: [] as number[], unknown: [] as number[] };
  for (const probe of shuffle(probes)) {
    const { status, ms } = await post(baseUrl, path, probe.body);
    (probe.known ? known : unknown).push(ms);
    (probe.known ? statuses.known : statuses.unknown).push(status);
    // Work an endpoint does after answering must not overlap the next request's
    await new Promise((resolve) => setTimeout(resolve, settings.gapMs));
  }
  return { endpoint, known, unknown, statuses: { known: tally(statuses.known), unknown: tally(statuses.unknown) } };
}

async function run(settings: Settings): Promise<EndpointResult[]> {
  const { n, warmup } = settings;
  const database = await recreateDatabase(settings.databaseName);
  const servers: ServerProcess[] = [];
  try {
    const env = appEnv({
      port: settings.port,
      appUrl: `http://127.0.0.1:${settings.port}`,
      databaseUrl: database.url,
      redisUrl: settings.redisUrl,
      bcryptCost: settings.cost,
    });
    await migrate(env);
    const passwordHash = await hash(PASSWORD, settings.cost);
    const verified = (prefix: string) =>
      seedUsers(database.url, { prefix, count: n + warmup, passwordHash, password: PASSWORD })
        .then((seeded) => seeded.emails);
    const app = await startApp("timing", env);
    servers.push(app);
    const base = app.url;
    const wants = (endpoint: Endpoint) => settings.only.includes(endpoint);
    const pairs = (
      known: string[],
      body: (email: string) => Record<string, string>,
    ): [Probe[], Probe[]] => {
      const probes: Probe[] = known.slice(warmup).flatMap((email) => [
        { known: true, body: body(email) },
        { known: false, body: body(unknownTwin(email)) },
      ]);
      const warm: Probe[] = known.slice(0, warmup).flatMap((email) => [
        { known: true, body: body(email) },
        { known: false, body: body(unknownTwin(email)) },
      ]);
      return [probes, warm];
    };

    // Seed first: sign-ups made for seeding must not run alongside a measurement
    const seeded: Partial<Record<Endpoint, string[]>> = {};
    if (wants("signup")) seeded.signup = await verified("signup-known");
    if (wants("signin")) seeded.signin = await verified("signin-known");
    if (wants("request-password-reset")) seeded["request-password-reset"] = await verified("reset-known");
    if (wants("verify-email")) {
      seeded["verify-email"] = await signUpUnverified(base, database.url, "verify-known", n + warmup);
    }
    if (wants("resend")) seeded.resend = await signUpUnverified(base, database.url, "resend-known", n + warmup);
    // Let the mail worker give up on the seeding mail's first attempts before measuring
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const results: EndpointResult[] = [];
    const plan: Record<Endpoint, { path: string; body: (email: string) => Record<string, string> }> = {
      // A known address is verified: its owner gets a notice, a new address gets an account
      signup: { path: "/auth/signup", body: (email) => ({ email, password: PASSWORD }) },
      signin: { path: "/auth/signin", body: (email) => ({ email, password: "a wrong password, guessed" }) },
      // A known address is unverified with a live code; the code sent is wrong (1 in a million: right)
      "verify-email": { path: "/auth/verify-email", body: (email) => ({ email, otp: "000000" }) },
      resend: { path: "/auth/resend-email-verification-otp", body: (email) => ({ email }) },
      "request-password-reset": { path: "/auth/request-password-reset", body: (email) => ({ email }) },
    };
    for (const endpoint of settings.only) {
      const { path, body } = plan[endpoint];
      const [probes, warm] = pairs(seeded[endpoint]!, body);
      console.log(`${endpoint}: ${n} known and ${n} unknown addresses`);
      results.push(await measure(settings, base, endpoint, path, probes, warm));
    }
    return results;
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
  }
}

function render(results: EndpointResult[], settings: Settings): string {
  const lines = [
    `Requests one at a time ${settings.gapMs} ms apart, ${settings.n} per side in a shuffled order after ` +
    `${settings.warmup} warm-up pairs; ` +
    `bcrypt cost ${settings.cost}; rate limits in ${settings.redisUrl ? "Redis" : "memory"}; PostgreSQL on 127.0.0.1.`,
    "",
    "| endpoint | median known (ms) | median unknown (ms) | difference (ms) | Mann–Whitney p | statuses known · unknown |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const result of results) {
    const known = median(result.known);
    const unknown = median(result.unknown);
    const { p } = mannWhitney(result.known, result.unknown);
    lines.push(
      `| ${result.endpoint} | ${known.toFixed(2)} | ${unknown.toFixed(2)} | ${(known - unknown).toFixed(2)} | ` +
        `${p < 0.001 ? p.toExponential(1) : p.toFixed(3)} | ${result.statuses.known} · ${result.statuses.unknown} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const settings = parseSettings(Deno.args);
  const results = await run(settings);
  console.log(`\n${render(results, settings)}`);
}
