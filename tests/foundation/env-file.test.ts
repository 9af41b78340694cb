/**
 * `.env`, as the original backend's set-up asks for it, read by dev/start/migrate through
 * src/main.ts (migrate in-process): the environment wins over the file and no value of the file is ever printed.
 */
import { ENV_FILE, mergeEnvFile, readEnvFile } from "../../src/cli/env-file.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { runMainCommand } from "../helpers/cli.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";
import { mainCommand, type ServerProcess, startServer } from "../helpers/server.ts";

/** The example `.env` of reference/original-security-summary.md ("How to Use"), copied unchanged. */
const ORIGINAL_ENV = new URL("fixtures/original-backend.env", import.meta.url);
const ORIGINAL = (await readEnvFile(ORIGINAL_ENV.pathname))!;
/** Values of the file that must never reach a log line */
const SECRETS = [
  ORIGINAL.JWT_SECRET,
  ORIGINAL.JWT_REFRESH_SECRET,
  ORIGINAL.SMTP_PASSWORD,
  ORIGINAL.SMTP_USERNAME,
  ORIGINAL.DATABASE_URL,
  "user:password@",
];
const TIMEOUT_MS = 60_000;

Deno.test("mergeEnvFile: a variable already in the environment wins, even when empty; the rest come from the file", () => {
  const merged = mergeEnvFile({ A: "file", B: "file", C: "file" }, { A: "env", B: "", D: "env" });
  assertEquals(merged.env, { A: "env", B: "", C: "file", D: "env" });
  assertEquals(merged.overridden, ["A", "B"]);
});

Deno.test("readEnvFile: a missing file loads nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await readEnvFile(`${dir}/${ENV_FILE}`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnvFile: comments, quotes, export and malformed lines are read as dotenv reads them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/${ENV_FILE}`,
      [
        "# comment",
        "export EXPORTED=yes",
        'QUOTED="a # not a comment"',
        "SINGLE='single $NOT_EXPANDED'",
        "INLINE=value # comment",
        'MULTI="line one\\nline two"',
        "not a variable line",
        "=no name",
        "SPACED = padded",
        "EMPTY=",
        "DUPLICATE=first",
        "DUPLICATE=second",
      ].join("\n"),
    );
    assertEquals(await readEnvFile(`${dir}/${ENV_FILE}`), {
      EXPORTED: "yes",
      QUOTED: "a # not a comment",
      SINGLE: "single $NOT_EXPANDED",
      INLINE: "value",
      MULTI: "line one\nline two",
      SPACED: "padded",
      EMPTY: "",
      DUPLICATE: "second",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnvFile: the original backend's example reads as its 14 variables, asyncpg URL included", () => {
  assertEquals(Object.keys(ORIGINAL).length, 14);
  assertEquals(ORIGINAL.DATABASE_URL, "postgresql+asyncpg://user:password@localhost/dbname");
  assertEquals(ORIGINAL.CORS_ALLOWED_ORIGINS, "http://localhost:3000,http://localhost:3001");
});

/** A temporary working directory holding the original example as `.env`. */
async function directoryWithOriginalEnv(): Promise<string> {
  const cwd = await Deno.makeTempDir({ prefix: "jessy-env-file-" });
  await Deno.copyFile(ORIGINAL_ENV, `${cwd}/${ENV_FILE}`);
  return cwd;
}

function assertNoSecrets(output: string) {
  for (const secret of SECRETS) assert(!output.includes(secret), `a value of .env was printed: ${secret}`);
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

// Nothing the file names is inherited, so every one of its values reaches the server
const unset = Object.keys(ORIGINAL);

Deno.test({
  name: "env file: the original example unchanged makes serve and migrate try its DATABASE_URL, never PGlite",
  sanitizeResources: false,
  async fn() {
    const cwd = await directoryWithOriginalEnv();
    try {
      // No role "user" nor database "dbname" exists (or no server listens): start-up must fail
      const serve = await mainCommand([], {}, { cwd, unset, signal: AbortSignal.timeout(TIMEOUT_MS) }).output();
      const stdout = new TextDecoder().decode(serve.stdout);
      const stderr = new TextDecoder().decode(serve.stderr);
      assertEquals(serve.code, 1, stdout + stderr);
      const lines = jsonLines(stdout);
      const loaded = lines.find((line) => line.message === "environment file loaded");
      assertEquals([loaded?.file, loaded?.variables, loaded?.overridden], [".env", 14, []]);
      const warnings = lines.filter((line) => line.level === "warn").map((line) => line.message);
      // The file's 29-byte JWT_SECRET, not a random one; its SMTP and Redis, not the embedded defaults
      assertEquals(warnings, [
        "JWT_SECRET must be at least 32 bytes",
        "HMAC_SECRET is not set: codes and reset links are keyed from JWT_SECRET, so rotating it kills them",
      ]);
      const failed = lines.find((line) => line.message === "start-up failed");
      assertEquals(failed?.database, "postgres://localhost:5432/dbname");
      assert(!lines.some((line) => line.message === "listening"), "it never served");
      assert(!await exists(`${cwd}/.data`), "no PGlite data directory was created");
      assertNoSecrets(stdout + stderr);

      const migrate = await runMainCommand(["migrate"], {}, { directory: cwd, unset });
      const migrateOutput = `${migrate.out}\n${migrate.err}`;
      assertEquals(migrate.code, 1, migrateOutput);
      assert(migrateOutput.includes("environment file loaded: .env (14 variables)"), migrateOutput);
      assert(!await exists(`${cwd}/.data`), "migrate did not fall back to PGlite");
      assertNoSecrets(migrateOutput);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

Deno.test({
  name: "env file: the environment wins over the original example while the rest of it is honoured",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cwd = await directoryWithOriginalEnv();
    let server: ServerProcess | undefined;
    try {
      // Empty wins too: the server falls back to PGlite instead of the file's unreachable database
      server = await startServer({ DATABASE_URL: TEST_DATABASE_URL ?? "" }, { cwd, unset });
      const loaded = server.lines.find((line) => line.message === "environment file loaded");
      assertEquals([loaded?.file, loaded?.variables, loaded?.overridden], [".env", 14, ["DATABASE_URL"]]);
      const listening = server.lines.find((line) => line.message === "listening");
      assertEquals(listening?.database, TEST_DATABASE_URL ? "postgres" : "pglite");
      assertEquals(listening?.debug, true, "DEBUG_MODE=true from the file");

      const allowed = await preflight(server.url, "http://localhost:3001");
      assertEquals(allowed.get("access-control-allow-origin"), "http://localhost:3001");
      assertEquals(allowed.get("access-control-allow-credentials"), "true", "CORS_ALLOW_CREDENTIALS=true");
      const refused = await preflight(server.url, "http://localhost:5173");
      assertEquals(refused.get("access-control-allow-origin"), null);
    } finally {
      if (server) {
        await server.stop();
        assertNoSecrets(JSON.stringify(server.lines) + server.stderr());
      }
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

async function preflight(url: string, origin: string): Promise<Headers> {
  const response = await fetch(`${url}/auth/signin`, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
  });
  await response.body?.cancel();
  return response.headers;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
