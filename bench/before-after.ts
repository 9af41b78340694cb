/**
 * Did a change move the hot paths of accounts it does not concern? `GET /auth/me` and
 * `POST /auth/signin` of accounts without a second factor, this checkout against another one,
 * turn about in one run.
 *
 * `deno run -A bench/before-after.ts --before DIR [--reps 3] [--duration 8] [--cost 12] [--only me,signin]`
 * takes another checkout of the service (a `git worktree` with its `deno install` done), migrates a
 * database of its own for each side (`jessy_before`, `jessy_after`; re-created, dropped at the end)
 * with that side's own code, seeds the same users in both, starts each side in production mode
 * (`deno task start`'s command, both pinned to core 0, wrk on core 1; sign-in unpinned as in
 * `deno task bench`) and measures them turn about after a warm-up each. A ceiling-to-ceiling
 * comparison made minutes apart on a shared machine moves by tens of percent; this one compares the
 * two services within seconds of each other. A run by hand; see bench/README.md.
 */
import { hash } from "@node-rs/bcrypt";
import { type BenchSettings, parseArgs } from "./lib/args.ts";
import { recreateDatabase, seedUsers } from "./lib/bench-db.ts";
import { fixedArgs, rotate, type SideFigures } from "./lib/compare.ts";
import { CHEAP_COST, HTTP_CONNECTIONS, LOAD_CPU, PASSWORD, SERVER_CPU, SIGNIN_CONNECTIONS } from "./lib/load.ts";
import { linesFile, mintPairs } from "./lib/mint.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import { type ServerProcess, startServer } from "./lib/processes.ts";
import { appEnv, taskCommand } from "./lib/servers.ts";
import { ensureWrk } from "./lib/wrk.ts";

interface Side {
  label: string;
  dir: string;
  port: number;
}

function splitArgs(args: string[]): { before: string; only: string[]; rest: string[] } {
  let before = "";
  let only = ["me", "signin"];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--before") before = args[++i];
    else if (args[i] === "--only") only = args[++i].split(",");
    else rest.push(args[i]);
  }
  if (!before) throw new Error("usage: deno run -A bench/before-after.ts --before DIR [--reps 3] [--duration 8]");
  return { before: before.endsWith("/") ? before : `${before}/`, only, rest };
}

async function run(words: string[], env: Record<string, string>, cwd: string): Promise<void> {
  const [command, ...args] = words;
  const output = await new Deno.Command(command, { args, env, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(`${words.join(" ")} failed in ${cwd}:\n${new TextDecoder().decode(output.stderr)}`);
  }
}

function describe(label: string, figures: SideFigures): string {
  return `${label}: ${figures.rps.median.toFixed(figures.rps.median < 100 ? 1 : 0)} req/s ±${
    (figures.rps.spread * 100).toFixed(0)
  }%, p50/p99 ${figures.p50Ms.toFixed(1)}/${figures.p99Ms.toFixed(1)} ms, ${
    figures.cpuMicrosPerRequest.toFixed(0)
  } µs CPU/req`;
}

async function main(): Promise<void> {
  const { before, only, rest } = splitArgs(Deno.args);
  const settings: BenchSettings = { ...parseArgs(rest), updateReadme: false };
  await ensureWrk();
  const sides: Side[] = [
    { label: "before", dir: before, port: 18_600 },
    { label: "after", dir: REPO_ROOT, port: 18_620 },
  ];
  const servers: ServerProcess[] = [];
  const files: string[] = [];
  const databases = await Promise.all(sides.map((side) => recreateDatabase(`jessy_${side.label}`)));
  try {
    const [cheapHash, realHash] = await Promise.all([hash(PASSWORD, CHEAP_COST), hash(PASSWORD, settings.bcryptCost)]);
    const started = [];
    for (const [index, side] of sides.entries()) {
      const env = appEnv({
        port: side.port,
        appUrl: `http://127.0.0.1:${side.port}`,
        databaseUrl: databases[index].url,
        bcryptCost: settings.bcryptCost,
      });
      await run(await taskCommand("migrate"), env, side.dir);
      const tokenUsers = await seedUsers(databases[index].url, {
        prefix: "bench-token",
        count: 64,
        passwordHash: cheapHash,
        password: PASSWORD,
      });
      const signinUsers = await seedUsers(databases[index].url, {
        prefix: "bench-signin",
        count: 32,
        passwordHash: realHash,
        password: PASSWORD,
      });
      const server = await startServer({
        name: `app-${side.label}`,
        command: await taskCommand("start"),
        env,
        port: side.port,
        readyPath: "/health/ready",
        cpus: SERVER_CPU,
        cwd: side.dir,
      });
      servers.push(server);
      const pairs = await mintPairs(server.url, tokenUsers.emails, PASSWORD, 64);
      const tokensFile = await linesFile(pairs.map((pair) => pair.access_token));
      const emailsFile = await linesFile(signinUsers.emails);
      files.push(tokensFile, emailsFile);
      started.push({ side, server, tokensFile, emailsFile });
    }
    if (only.includes("me")) {
      console.log("GET /auth/me");
      const figures = await rotate(
        settings,
        { label: "me", connections: HTTP_CONNECTIONS, cpus: LOAD_CPU },
        started.map(({ side, server, tokensFile }) => ({
          label: side.label,
          side: {
            url: `${server.url}/auth/me`,
            pid: server.pid,
            scripts: ["bearer.lua"],
            prepare: fixedArgs([tokensFile]),
          },
        })),
      );
      report("GET /auth/me", figures);
    }
    if (only.includes("signin")) {
      console.log(`POST /auth/signin at cost ${settings.bcryptCost}`);
      const figures = await rotate(
        { ...settings, durationSeconds: Math.max(settings.durationSeconds, 10) },
        { label: "signin", connections: SIGNIN_CONNECTIONS, timeoutSeconds: 30 },
        started.map(({ side, server, emailsFile }) => ({
          label: side.label,
          side: {
            url: `${server.url}/auth/signin`,
            pid: server.pid,
            scripts: ["signin.lua"],
            prepare: fixedArgs([emailsFile, PASSWORD]),
          },
        })),
      );
      report("POST /auth/signin", figures);
    }
  } finally {
    for (const server of servers) await server.stop();
    for (const file of files) await Deno.remove(file).catch(() => {});
    for (const database of databases) await database.drop();
  }

  function report(scenario: string, [beforeFigures, afterFigures]: SideFigures[]) {
    console.log(
      `${scenario}: ${describe("before", beforeFigures)}; ${describe("after", afterFigures)}; after/before req/s ${
        (100 * afterFigures.rps.median / beforeFigures.rps.median).toFixed(0)
      }%, CPU/req ${(100 * afterFigures.cpuMicrosPerRequest / beforeFigures.cpuMicrosPerRequest).toFixed(0)}%`,
    );
  }
}

if (import.meta.main) await main();
