import { assertEquals } from "../helpers/assert.ts";

/**
 * What a migration may do to a table an earlier migration created (a table created in the same
 * migration is empty and exempt), so that no write to it waits long at a million users
 * (docs/architecture.md, "Migrations"):
 * - an index is built CONCURRENTLY (and so the migration declares `transactional = false`): a
 *   plain CREATE INDEX blocks every write to the table for as long as the build reads it;
 * - a foreign key is added NOT VALID and validated by VALIDATE CONSTRAINT in a migration that runs
 *   outside a transaction: adding it valid reads the whole table under SHARE ROW EXCLUSIVE, and a
 *   VALIDATE in the same transaction still runs under that lock;
 * - a migration in one transaction that locks an existing table against writes (a foreign key to
 *   or from it, an ALTER TABLE, an index build) does not also copy or change rows of existing
 *   tables: the lock is held until the transaction ends, so every write waits for the backfill
 *   (2026_11_29_0006 blocked writes to users for 950 ms that way).
 */
const MIGRATIONS_DIR = decodeURIComponent(new URL("../../src/db/migrations/", import.meta.url).pathname);

/** Plain index builds on existing tables that are allowed, each with its reason. */
const ALLOWED: Record<string, string> = {};

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

/** The source of a migration's `up`. */
function upOf(source: string): string {
  return source.slice(source.indexOf("export async function up"), source.indexOf("export async function down"));
}

function isTransactional(source: string): boolean {
  return !/export const transactional = false/.test(source);
}

/** Index builds in a migration's `up` (schema builder or SQL), with their table where it is written out. */
export function indexBuilds(source: string): IndexBuild[] {
  const up = upOf(source);
  const builder = [
    ...up.matchAll(/\.createIndex\([^)]*\)(?:\s*\.(?:ifNotExists|unique)\(\))*\s*\.on\(\s*"([a-z_]+)"/g),
  ].map((match) => ({
    table: match[1],
    concurrent: false,
  }));
  const raw = [...up.matchAll(/create (?:unique )?index (concurrently )?(?:if not exists )?[^`]*? on ([a-z_]+)?/gi)]
    .map((match) => ({ table: match[2], concurrent: Boolean(match[1]) }));
  return [...builder, ...raw];
}

interface ForeignKey {
  /** The table that gets the constraint */
  table: string;
  /** The table it references */
  references: string;
  notValid: boolean;
}

/** Each schema-builder statement (`createTable("t")…execute()`, `alterTable("t")…`) with its table. */
function builderStatements(up: string, kind: "createTable" | "alterTable"): Array<{ table: string; text: string }> {
  return [...up.matchAll(new RegExp(`\\.${kind}\\(\\s*"([a-z_]+)"\\s*\\)([\\s\\S]*?)\\.execute\\(`, "g"))]
    .map((match) => ({ table: match[1], text: match[2] }));
}

/** The text of each SQL template in `up`. */
function sqlTexts(up: string): string[] {
  return [...up.matchAll(/sql`([^`]*)`/g)].map((match) => match[1]);
}

/** Foreign keys a migration's `up` adds (schema builder or SQL). */
export function foreignKeys(source: string): ForeignKey[] {
  const up = upOf(source);
  const keys: ForeignKey[] = [];
  for (const kind of ["createTable", "alterTable"] as const) {
    for (const { table, text } of builderStatements(up, kind)) {
      const targets = [
        ...text.matchAll(/\.references\(\s*"([a-z_]+)\./g),
        ...text.matchAll(/\.addForeignKeyConstraint\([^)]*?\]\s*,\s*"([a-z_]+)"/g),
      ];
      for (const target of targets) keys.push({ table, references: target[1], notValid: /not valid/i.test(text) });
    }
  }
  for (const text of sqlTexts(up)) {
    const statement = text.match(/^\s*(?:alter|create) table (?:if (?:not )?exists )?(?:only )?([a-z_]+)/i);
    if (!statement) continue;
    for (const target of text.matchAll(/references ([a-z_]+)/gi)) {
      keys.push({ table: statement[1], references: target[1], notValid: /not valid/i.test(text) });
    }
  }
  return keys;
}

/**
 * Existing tables `up` locks against writes: referenced by a new foreign key, altered, or given
 * an index without CONCURRENTLY.
 */
function writeLockedTables(source: string, existing: (table: string) => boolean): Set<string> {
  const up = upOf(source);
  const tables = [
    ...foreignKeys(source).flatMap((key) => [key.table, key.references]),
    ...builderStatements(up, "alterTable").map((statement) => statement.table),
    ...sqlTexts(up).flatMap((text) => [...text.matchAll(/^\s*alter table (?:if exists )?(?:only )?([a-z_]+)/gi)])
      .map((match) => match[1]),
    ...indexBuilds(source).filter((build) => !build.concurrent).map((build) => build.table ?? ""),
  ];
  return new Set(tables.filter(existing));
}

/** Existing tables whose rows `up` copies or changes (INSERT … SELECT, UPDATE, DELETE). */
function backfilledTables(source: string, existing: (table: string) => boolean): Set<string> {
  const up = upOf(source);
  const fromSql = sqlTexts(up)
    .filter((text) => /^\s*(insert|update|delete|with)\b/i.test(text))
    .flatMap((text) => [...text.matchAll(/\b(?:from|update|join|into|using) ([a-z_]+)/gi)].map((match) => match[1]));
  const fromBuilder = [...up.matchAll(/\.(?:updateTable|deleteFrom|insertInto|selectFrom)\(\s*"([a-z_]+)"/g)]
    .map((match) => match[1]);
  return new Set([...fromSql, ...fromBuilder].filter(existing));
}

/** The problems of one migration, given the tables earlier ones created. */
export function lintMigration(name: string, source: string, earlierTables: Set<string>): string[] {
  const problems: string[] = [];
  const created = createdTables(source);
  for (const build of indexBuilds(source)) {
    if (build.concurrent) {
      if (isTransactional(source)) {
        problems.push(`${name}: CREATE INDEX CONCURRENTLY needs \`export const transactional = false\``);
      }
      continue;
    }
    if (build.table && created.has(build.table)) continue;
    if (build.table && !earlierTables.has(build.table)) continue;
    if (build.table && ALLOWED[`${name}:${build.table}`]) continue;
    problems.push(`${name}: CREATE INDEX on existing table ${build.table ?? "(not written out)"} without CONCURRENTLY`);
  }
  const existing = (table: string) => earlierTables.has(table) && !created.has(table);
  for (const key of foreignKeys(source).filter((key) => existing(key.table))) {
    if (!key.notValid) {
      problems.push(`${name}: foreign key on existing table ${key.table} added without NOT VALID`);
    } else if (!/validate constraint/i.test(upOf(source)) || isTransactional(source)) {
      problems.push(
        `${name}: NOT VALID foreign key on ${key.table} needs VALIDATE CONSTRAINT outside the migration's ` +
          "transaction (`export const transactional = false`)",
      );
    }
  }
  if (isTransactional(source)) {
    const locked = [...writeLockedTables(source, existing)];
    const backfilled = [...backfilledTables(source, existing)];
    if (locked.length > 0 && backfilled.length > 0) {
      problems.push(
        `${name}: locks ${locked.join(", ")} against writes and backfills ${backfilled.join(", ")} in the same ` +
          "transaction",
      );
    }
  }
  return problems;
}

Deno.test("migrations build indexes and add foreign keys on existing tables without blocking writes for long", async () => {
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
  assertEquals(
    lintMigration(
      "x",
      up(`await db.schema.createIndex("a").ifNotExists().on("sessions").column("user_id").execute();`),
      earlier,
    ),
    ["x: CREATE INDEX on existing table sessions without CONCURRENTLY"],
    "ifNotExists() between createIndex and on",
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

Deno.test("the migration lint wants a foreign key on an existing table NOT VALID, validated outside a transaction", () => {
  const earlier = new Set(["users", "sessions"]);
  const up = (body: string, flags = "") =>
    `${flags}\nexport async function up(db) {\n${body}\n}\nexport async function down(db) {}`;
  const outside = "export const transactional = false;";
  assertEquals(
    lintMigration(
      "x",
      up(`await db.schema.alterTable("sessions").addColumn("u", "uuid", (c) => c.references("users.id")).execute();`),
      earlier,
    ),
    ["x: foreign key on existing table sessions added without NOT VALID"],
    "schema builder",
  );
  const addKey =
    "await sql`alter table sessions add constraint s_fk foreign key (u) references users (id)`.execute(db);";
  assertEquals(lintMigration("x", up(addKey, outside), earlier), [
    "x: foreign key on existing table sessions added without NOT VALID",
  ]);
  const notValid =
    "await sql`alter table sessions add constraint s_fk foreign key (u) references users (id) not valid`" +
    ".execute(db);";
  const validate = "await sql`alter table sessions validate constraint s_fk`.execute(db);";
  const later = [
    "x: NOT VALID foreign key on sessions needs VALIDATE CONSTRAINT outside the migration's transaction " +
    "(`export const transactional = false`)",
  ];
  assertEquals(lintMigration("x", up(notValid, outside), earlier), later, "never validated");
  assertEquals(lintMigration("x", up(`${notValid}\n${validate}`), earlier), later, "validated under the ADD's lock");
  assertEquals(lintMigration("x", up(`${notValid}\n${validate}`, outside), earlier), []);
  assertEquals(
    lintMigration(
      "x",
      up(`await db.schema.createTable("fresh").addColumn("u", "uuid", (c) => c.references("sessions.id")).execute();`),
      earlier,
    ),
    [],
    "a new table's foreign key reads an empty table",
  );
});

Deno.test("the migration lint refuses a backfill in the transaction that locks an existing table against writes", () => {
  const earlier = new Set(["users"]);
  const up = (body: string, flags = "") =>
    `${flags}\nexport async function up(db) {\n${body}\n}\nexport async function down(db) {}`;
  // 2026_11_29_0006 as it first was: the new table's foreign key locked users while every user was read
  const fresh =
    `await db.schema.createTable("fresh").addColumn("u", "uuid", (c) => c.references("users.id")).execute();`;
  const backfill = "await sql`insert into fresh (u) select id from users where not email_verified`.execute(db);";
  assertEquals(lintMigration("x", up(`${fresh}\n${backfill}`), earlier), [
    "x: locks users against writes and backfills users in the same transaction",
  ]);
  assertEquals(
    lintMigration(
      "x",
      up(
        `await db.schema.alterTable("users").addColumn("n", "text").execute();\nawait sql\`update users set n = name\`.execute(db);`,
      ),
      earlier,
    ),
    ["x: locks users against writes and backfills users in the same transaction"],
  );
  assertEquals(lintMigration("x", up(`${fresh}\n${backfill}`, "export const transactional = false;"), earlier), []);
  assertEquals(lintMigration("x", up(fresh), earlier), [], "no backfill");
  assertEquals(lintMigration("x", up(backfill), earlier), [], "no lock that stops writes");
});
