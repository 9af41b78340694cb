/**
 * Programs some tests need beyond Node.js, npm and Deno, found where they are installed rather than
 * where one distribution puts them. Without its program a test is skipped with one line saying what
 * to install; under CI=true it runs and fails with that message instead.
 */
import { IN_CI } from "./env.ts";

/** A program a test needs: what needs it and how to get it, and where to look. */
interface Program {
  readonly message: string;
  /** Its path (for PostgreSQL, the directory holding initdb and pg_ctl), undefined when absent */
  find(): string | undefined;
}

const PROGRAMS = {
  chromium: {
    message: "Browser tests (Swagger UI, account pages) need Chromium — apt-get install chromium, or set CHROMIUM_PATH",
    find: () =>
      [
        Deno.env.get("CHROMIUM_PATH") ?? "",
        ...onPath("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"),
        "/usr/bin/chromium",
      ].find(isExecutable),
  },
  postgres: {
    message: "PostgreSQL fault tests need initdb and pg_ctl — apt-get install postgresql, or put them on PATH",
    find: () =>
      [...pathDirectories(), ...debianPostgresDirectories()]
        .find((dir) => isExecutable(`${dir}/initdb`) && isExecutable(`${dir}/pg_ctl`)),
  },
  "redis-server": {
    message: "Redis fault tests need redis-server — apt-get install redis-server, or put it on PATH",
    find: () => [...onPath("redis-server"), "/usr/bin/redis-server", "/usr/sbin/redis-server"].find(isExecutable),
  },
  prometheus: {
    message: "Metrics tests need Prometheus — apt-get install prometheus, or put prometheus on PATH",
    find: () => [...onPath("prometheus"), "/usr/bin/prometheus"].find(isExecutable),
  },
  promtool: {
    message: "The alert-rules test needs promtool — apt-get install prometheus, or put promtool on PATH",
    find: () => [...onPath("promtool"), "/usr/bin/promtool"].find(isExecutable),
  },
} satisfies Record<string, Program>;

/** A program some tests need: `chromium`, `postgres` (initdb and pg_ctl), `redis-server`, `prometheus`, `promtool`. */
export type ProgramName = keyof typeof PROGRAMS;

const found = new Map<ProgramName, string | undefined>();
const announced = new Set<ProgramName>();

/** Where `name` is installed (for `postgres`, the directory holding initdb and pg_ctl), or undefined. */
export function installed(name: ProgramName): string | undefined {
  if (!found.has(name)) found.set(name, PROGRAMS[name].find());
  return found.get(name);
}

/**
 * For Deno.test's `ignore`: true when `name` is missing, after printing the skip line once per test
 * file. Always false under CI=true, so the test runs and {@linkcode requireInstalled} fails it.
 */
export function skipWithout(name: ProgramName): boolean {
  if (IN_CI || installed(name) !== undefined) return false;
  if (!announced.has(name)) console.log(`skipped: ${PROGRAMS[name].message}`);
  announced.add(name);
  return true;
}

/** Where `name` is installed; throws what is missing and what to install when it is not. */
export function requireInstalled(name: ProgramName): string {
  const path = installed(name);
  if (path === undefined) throw new Error(PROGRAMS[name].message);
  return path;
}

function pathDirectories(): string[] {
  return (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
}

function onPath(...programs: string[]): string[] {
  return programs.flatMap((program) => pathDirectories().map((dir) => `${dir}/${program}`));
}

/** Debian's /usr/lib/postgresql/<major>/bin, newest major first. */
function debianPostgresDirectories(): string[] {
  try {
    return [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((entry) => entry.name)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => `/usr/lib/postgresql/${major}/bin`);
  } catch {
    return [];
  }
}

function isExecutable(path: string): boolean {
  if (path === "") return false;
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}
