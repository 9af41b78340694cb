import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

const ROOT = new URL("../../", import.meta.url);

/** What the migrated schema depends on: the migrations, the migrator and PGlite's version. */
async function schemaKey(): Promise<string> {
  const files = [new URL("src/db/migrate.ts", ROOT), new URL("deno.json", ROOT)];
  const migrations = new URL("src/db/migrations/", ROOT);
  for await (const entry of Deno.readDir(migrations)) files.push(new URL(entry.name, migrations));
  files.sort((a, b) => a.href.localeCompare(b.href));
  const parts: BlobPart[] = [];
  for (const file of files) parts.push(file.pathname, await Deno.readFile(file));
  const bytes = await new Blob(parts).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A PGlite data directory right after every migration, dumped once for every test module of
 * every run until a migration changes (kept in the temporary directory, named by what the
 * schema depends on). A PGlite started from it skips initdb and the migrations: about a fifth
 * of the time of a new one.
 */
async function buildOrReadDump(): Promise<Blob> {
  const directory = `${Deno.env.get("TMPDIR") ?? "/tmp"}/jessy-api-tests`;
  const path = `${directory}/pglite-migrated-${await schemaKey()}.tar`;
  try {
    return new Blob([await Deno.readFile(path)]);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const pglite = new PGlite();
  const db = new Kysely({ dialect: new PGliteDialect(pglite) });
  let dump: Blob;
  try {
    await migrateToLatest(db);
    dump = await pglite.dumpDataDir("none");
  } finally {
    await db.destroy();
  }
  await Deno.mkdir(directory, { recursive: true });
  // Written aside then renamed: a module running in parallel reads a whole dump or none
  const partial = `${path}.${crypto.randomUUID()}`;
  await Deno.writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
  await Deno.rename(partial, path);
  return dump;
}

let dump: Promise<Blob> | undefined;

/** A new in-memory PGlite with every migration applied, as from migrateToLatest. */
export function createMigratedPglite(): Promise<Database> {
  dump ??= buildOrReadDump();
  return dump.then((initialData) => createDatabase({ initialData }));
}
