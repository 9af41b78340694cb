import { assertEquals } from "../helpers/assert.ts";

/**
 * A migration that builds an index on a table an earlier migration created must build it
 * CONCURRENTLY (and so declare `transactional = false`): a plain CREATE INDEX blocks every write
 * to the table for as long as the build reads it, seconds on a big table (README "Scale").
 * Tables created in the same migration are empty and exempt.
 */
const MIGRATIONS_DIR = decodeURIComponent(new URL("../../src/db/migrations/", import.meta.url).pathname);

/** Plain index builds on existing tables that are allowed, each with its reason. */
const ALLOWED: Record<string, string> = {
  "2026_11_29_0006_signup_bindings:email_otps":
    "email_otps holds only live codes (housekeeping deletes expired ones), so it stays small at any user count",
};

interface IndexBuild {
  table: string | undefined;
  concurrent: boolean;
}

/** Tables a migration's source creates (schema builder or SQL). */
export function createdTables(source: string): Set<string> {
  const names = [
    ...source.matchAll(/\.createTable\(\s*"([a-z_]+)"/g),
    ...source.matchAll(/create table (?:if not exists )?([a-z_]+)/gi),
  ].map((match) => match[1]);
  return new Set(names);
}

/** Index builds in a migration's `up` (schema builder or SQL), with their table where it is written out. */
export function indexBuilds(source: string): IndexBuild[] {
  const up = source.slice(source.indexOf("export async function up"), source.indexOf("export async function down"));
  const builder = [...up.matchAll(/\.createIndex\([^)]*\)\s*\.on\(\s*"([a-z_]+)"/g)].map((match) => ({
    table: match[1],
    concurrent: false,
  }));
  const raw = [...up.matchAll(/create (?:unique )?index (concurrently )?(?:if not exists )?[^`]*? on ([a-z_]+)?/gi)]
    .map((match) => ({ table: match[2], concurrent: Boolean(match[1]) }));
  return [...builder, ...raw];
}

/** The problems of one migration, given the tables earlier ones created. */
export function lintMigration(name: string, source: string, earlierTables: Set<string>): string[] {
  const problems: string[] = [];
  const created = createdTables(source);
  for (const build of indexBuilds(source)) {
    if (build.concurrent) {
      if (!/export const transactional = false/.test(source)) {
        problems.push(`${name}: CREATE INDEX CONCURRENTLY needs \`export const transactional = false\``);
      }
      continue;
    }
    if (build.table && created.has(build.table)) continue;
    if (build.table && !earlierTables.has(build.table)) continue;
    if (build.table && ALLOWED[`${name}:${build.table}`]) continue;
    problems.push(`${name}: CREATE INDEX on existing table ${build.table ?? "(not written out)"} without CONCURRENTLY`);
  }
  return problems;
}

Deno.test("migrations build indexes on existing tables concurrently (or are allowed with a reason)", async () => {
  const files = [...Deno.readDirSync(MIGRATIONS_DIR)].map((entry) => entry.name).filter((name) =>
    /^\d{4}_.*\.ts$/.test(name)
  )
    .sort();
  const earlier = new Set<string>();
  const problems: string[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(MIGRATIONS_DIR + file);
    const name = file.replace(/\.ts$/, "");
    problems.push(...lintMigration(name, source, earlier));
    for (const table of createdTables(source)) earlier.add(table);
  }
  assertEquals(problems, []);
});

Deno.test("the migration lint refuses a plain index on an existing table and accepts the exempt cases", () => {
  const earlier = new Set(["sessions"]);
  const up = (body: string, flags = "") =>
    `${flags}\nexport async function up(db) {\n${body}\n}\nexport async function down(db) {}`;
  assertEquals(
    lintMigration("x", up(`await db.schema.createIndex("a").on("sessions").column("user_id").execute();`), earlier),
    ["x: CREATE INDEX on existing table sessions without CONCURRENTLY"],
  );
  assertEquals(lintMigration("x", up("await sql`create index a on sessions (user_id)`.execute(db);"), earlier), [
    "x: CREATE INDEX on existing table sessions without CONCURRENTLY",
  ]);
  assertEquals(
    lintMigration("x", up("await sql`create index concurrently a on sessions (user_id)`.execute(db);"), earlier),
    ["x: CREATE INDEX CONCURRENTLY needs `export const transactional = false`"],
  );
  assertEquals(
    lintMigration(
      "x",
      up(
        "await sql`create index concurrently if not exists a on sessions (user_id)`.execute(db);",
        "export const transactional = false;",
      ),
      earlier,
    ),
    [],
  );
  assertEquals(
    lintMigration(
      "x",
      up(
        `await db.schema.createTable("fresh").execute();\nawait db.schema.createIndex("b").on("fresh").column("c").execute();`,
      ),
      earlier,
    ),
    [],
    "a table created in the same migration is empty",
  );
});
