/**
 * `deno task bench --scale`: every hot path measured as the database grows (0, N/10, N users
 * by default), each figure as a ratio to the empty database; EXPLAIN of the hot statements, the
 * housekeeping sweep under load, each migration's locks at the largest size, and an SVG chart.
 *
 * Each size has a database and a service of its own, all ready before the first measurement,
 * and every scenario takes its sizes turn about: a ratio between sizes compares runs made
 * seconds apart, not minutes. See bench/README.md, "Scale".
 */
import { hash } from "@node-rs/bcrypt";
import postgres from "postgres";
import { type BenchSettings, wants } from "./lib/args.ts";
import { fixedArgs, rotate, type Side, type SideFigures, type Turn } from "./lib/compare.ts";
import { describeMachine } from "./lib/machine.ts";
import { linesFile, mintPairs } from "./lib/mint.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import type { ServerProcess } from "./lib/processes.ts";
import type { Skipped } from "./lib/results.ts";
import { ensureWrk } from "./lib/wrk.ts";
import { type Leftovers, prepareSize, type SizeFixture } from "./lib/scale/fixture.ts";
import { sweepUnderLoad } from "./lib/scale/housekeeping.ts";
import { measureMigrations } from "./lib/scale/migrations.ts";
import { explainHotStatements, plansText } from "./lib/scale/plans.ts";
import { judgeScale, renderScaleChart, type ScaleResults, type ScenarioFigures } from "./lib/scale/results.ts";
import { renderScaleMarkdown, renderScaleText, updateScaleReadme } from "./lib/scale/report.ts";
import { scaleEmail, scaleEmailPrefixes } from "./lib/scale/seed.ts";
import { createDatabase } from "../src/db/database.ts";
import {
  CHEAP_COST,
  HTTP_CONNECTIONS,
  LOAD_CPU,
  PASSWORD,
  REFRESH_CONNECTIONS,
  SIGNIN_CONNECTIONS,
} from "./lib/load.ts";

const SIGNIN_SAMPLE = 2000;
const SIGNIN_MIN_SECONDS = 8;
/** Prefixes the admin search walks through at each size, and the page it asks for */
const ADMIN_SEARCH_SAMPLE = 2000;
const ADMIN_PAGE = 20;
/** On the empty database the only users are the bench's own: 64 `bench-token-<n>` addresses */
const EMPTY_DATABASE_PREFIX = "bench-token-";
/** Ports between one size's servers and the next's (the service at P, its ceilings at P+10 and P+11) */
const PORTS_PER_SIZE = 20;

type Partial = Omit<ScaleResults, "targets">;

/** One scenario at one size: where its figures go, and what its runs send. */
interface Slot {
  fixture: SizeFixture;
  scenario: string;
  side: Side;
  /** The scenario's ceiling at the same size, run in the same rotation */
  ceiling?: Side;
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
  const leftovers: Leftovers = { servers: [], files: [], databases: [], clients: [] };
  const started = performance.now();
  try {
    const [cheapHash, realHash] = await Promise.all([hash(PASSWORD, CHEAP_COST), hash(PASSWORD, settings.bcryptCost)]);
    const fixtures: SizeFixture[] = [];
    for (const [index, users] of settings.sizes.entries()) {
      console.log(`\n== ${users} users ==`);
      const fixture = await prepareSize({
        users,
        databaseName: `${settings.databaseName}_${users}`,
        port: settings.port + index * PORTS_PER_SIZE,
        bcryptCost: settings.bcryptCost,
        cheapHash,
        realHash,
      }, leftovers);
      fixtures.push(fixture);
      results.sizes.push(fixture.size);
    }
    console.log();
    await runScenarios(settings, fixtures, leftovers);

    for (const fixture of fixtures) {
      const prefix = adminPrefixes(fixture.users)[0];
      fixture.size.plans = await explainHotStatements(fixture.sql, {
        pair: fixture.pairs[0],
        email: fixture.tokenEmails[0],
        heavy: fixture.heavy,
        adminPrefix: prefix,
        adminPage: ADMIN_PAGE,
      });
      if (wants(settings, "housekeeping")) {
        console.log(`housekeeping at ${fixture.users} users`);
        fixture.size.housekeeping = fixture.users === 0
          ? { skipped: "nothing has expired in an empty database" }
          : await sweepUnderLoad(fixture.database.url, fixture.app, fixture.tokensFile, settings.durationSeconds * 2);
      }
    }

    for (const server of [...leftovers.servers].reverse()) await server.stop();
    leftovers.servers.length = 0;
    const largest = fixtures.at(-1);
    if (wants(settings, "migrations") && largest && largest.users > 0) {
      console.log(`\nMigrations at ${largest.users} users`);
      const migrator = await createDatabase({ url: largest.database.url, poolSize: 2, statementTimeoutMs: 0 });
      const watcher = postgres(largest.database.url, { max: 1, onnotice: () => {} });
      try {
        results.migrations = await measureMigrations(migrator.db, watcher);
      } finally {
        await watcher.end();
        await migrator.close();
      }
    }
  } finally {
    for (const server of [...leftovers.servers].reverse()) await server.stop();
    for (const file of leftovers.files) await Deno.remove(file).catch(() => {});
    for (const client of leftovers.clients) await client.end();
    for (const database of leftovers.databases) await database.drop();
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
        ? "bench/README.md scale section updated"
        : "bench/README.md has no scale markers",
    );
  }
  if (final.targets.some((target) => target.pass === false)) Deno.exitCode = 1;
}

/** Every scenario, its sizes (and, where it has one, each size's ceiling) turn about. */
async function runScenarios(settings: BenchSettings, fixtures: SizeFixture[], leftovers: Leftovers): Promise<void> {
  const side = (server: ServerProcess, path: string, file: string, scripts = ["bearer.lua"]): Side => ({
    url: `${server.url}${path}`,
    pid: server.pid,
    scripts,
    prepare: fixedArgs([file]),
  });
  const http = (label: string) => ({ label, connections: HTTP_CONNECTIONS, cpus: LOAD_CPU });
  const each = (scenario: string, make: (fixture: SizeFixture) => Omit<Slot, "fixture" | "scenario">) =>
    fixtures.map((fixture) => ({ fixture, scenario, ...make(fixture) }));

  await across(
    settings,
    http("me"),
    each("me", (f) => ({
      side: side(f.app, "/auth/me", f.tokensFile),
      ceiling: side(f.meCeiling, "/auth/me", f.tokensFile),
    })),
  );
  await across(
    settings,
    { label: "refresh", connections: REFRESH_CONNECTIONS, cpus: LOAD_CPU },
    each("refresh", (f) => ({
      side: {
        url: `${f.app.url}/auth/refresh`,
        pid: f.app.pid,
        scripts: ["refresh.lua"],
        async prepare() {
          const fresh = await mintPairs(f.app.url, f.tokenEmails, PASSWORD, REFRESH_CONNECTIONS + 4);
          const file = await linesFile(fresh.map((pair) => pair.refresh_token));
          return { args: [file], files: [file] };
        },
      },
    })),
  );
  const signinFiles = new Map<SizeFixture, string>();
  for (const fixture of fixtures) {
    const emails = fixture.users === 0
      ? fixture.signinEmails
      : Array.from({ length: SIGNIN_SAMPLE }, () => scaleEmail(1 + Math.floor(Math.random() * fixture.users)));
    const file = await linesFile(emails);
    leftovers.files.push(file);
    signinFiles.set(fixture, file);
  }
  await across(
    { ...settings, durationSeconds: Math.max(settings.durationSeconds, SIGNIN_MIN_SECONDS) },
    { label: "signin", connections: SIGNIN_CONNECTIONS, timeoutSeconds: 30 },
    each("signin", (f) => ({
      side: {
        url: `${f.app.url}/auth/signin`,
        pid: f.app.pid,
        scripts: ["signin.lua"],
        prepare: fixedArgs([signinFiles.get(f)!, PASSWORD]),
      },
    })),
  );
  // Each list: an ordinary user's first page next to its ceiling at every size, and the heavy user's
  // first and deep pages where there is one, all in one rotation, so the heavy-to-ordinary and
  // deep-to-first ratios compare runs made seconds apart. Spread over the rotation, the heavy user's
  // requests stay well under the highest limit a tier can be given (100,000 a minute per user).
  for (const fixture of fixtures) {
    if (fixture.heavy) continue;
    for (const name of ["sessions-heavy", "sessions-heavy-deep", "events-heavy", "events-heavy-deep"]) {
      fixture.size.scenarios[name] = { skipped: "no heavy user at this size" };
    }
  }
  for (const list of ["sessions", "events"] as const) {
    const path = list === "sessions" ? "/auth/sessions" : "/auth/security-events";
    const slots = fixtures.flatMap((f): Slot[] => {
      const ordinary = {
        fixture: f,
        scenario: list,
        side: side(f.app, path, f.tokensFile),
        ceiling: side(f.pageCeiling, path, f.tokensFile),
      };
      if (!f.heavy) return [ordinary];
      const cursor = list === "sessions" ? f.heavy.sessionsCursor : f.heavy.eventsCursor;
      return [
        ordinary,
        { fixture: f, scenario: `${list}-heavy`, side: side(f.app, path, f.heavy.tokensFile) },
        {
          fixture: f,
          scenario: `${list}-heavy-deep`,
          side: side(f.app, `${path}?cursor=${cursor}`, f.heavy.tokensFile),
        },
      ];
    });
    await across(settings, http(list), slots);
  }

  const prefixFiles = new Map<SizeFixture, string>();
  for (const fixture of fixtures) {
    const prefixes = adminPrefixes(fixture.users);
    const file = await linesFile(prefixes);
    leftovers.files.push(file);
    prefixFiles.set(fixture, file);
  }
  const adminUrl = (f: SizeFixture) => `${f.app.url}/admin/users?limit=${ADMIN_PAGE}&email=`;
  if (wants(settings, "admin-search")) {
    try {
      for (const f of fixtures) await expectFullPage(f.adminKeyFile, adminUrl(f) + adminPrefixes(f.users)[0]);
    } catch (error) {
      for (const f of fixtures) f.size.scenarios["admin-search"] = { skipped: (error as Error).message };
      return;
    }
  }
  await across(
    settings,
    http("admin-search"),
    each("admin-search", (f) => ({
      side: {
        url: adminUrl(f),
        pid: f.app.pid,
        scripts: ["bearer-suffix.lua"],
        prepare: fixedArgs([f.adminKeyFile, prefixFiles.get(f)!]),
      },
    })),
  );
}

/**
 * Measures the slots turn about (each slot's ceiling just before it) and files the figures
 * under each slot's size and scenario. Slots of scenarios not asked for are left out; a
 * failure marks every slot of the rotation as skipped, with its reason.
 */
async function across(
  settings: BenchSettings,
  options: { label: string; connections: number; cpus?: string; timeoutSeconds?: number },
  allSlots: Slot[],
): Promise<void> {
  const slots = allSlots.filter((slot) => wants(settings, slot.scenario));
  if (slots.length === 0) return;
  console.log(options.label);
  const turns: Turn[] = slots.flatMap((slot) => {
    const label = `${slot.scenario === options.label ? "" : `${slot.scenario} `}at ${slot.fixture.users}`;
    const ours = { label, side: slot.side };
    return slot.ceiling ? [{ label: `${label}, ceiling`, side: slot.ceiling }, ours] : [ours];
  });
  let figures: SideFigures[];
  try {
    figures = await rotate(settings, options, turns);
  } catch (error) {
    const skipped: Skipped = { skipped: (error as Error).message.split("\n")[0] };
    for (const slot of slots) slot.fixture.size.scenarios[slot.scenario] = skipped;
    return;
  }
  let next = 0;
  for (const slot of slots) {
    const ceiling = slot.ceiling ? figures[next++] : undefined;
    const result: ScenarioFigures = { ours: figures[next++], ...(ceiling ? { ceiling } : {}) };
    slot.fixture.size.scenarios[slot.scenario] = result;
  }
}

function adminPrefixes(users: number): string[] {
  return users === 0 ? [EMPTY_DATABASE_PREFIX] : scaleEmailPrefixes(users, ADMIN_SEARCH_SAMPLE);
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
