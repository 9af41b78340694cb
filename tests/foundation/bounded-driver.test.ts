import { Kysely, sql } from "kysely";
import { PGlite } from "@electric-sql/pglite";
import { PGliteDialect } from "kysely-pglite-dialect";
import { assert, assertEquals } from "../helpers/assert.ts";
import { BoundedDriver } from "../../src/db/bounded-driver.ts";
import { DatabaseUnavailableError } from "../../src/db/errors.ts";

/** A Kysely over a real (embedded) Postgres whose driver lets one connection out at a time. */
async function boundedDatabase(acquireTimeoutMs: number) {
  const pglite = new PGlite();
  await pglite.waitReady;
  const dialect = new PGliteDialect(pglite);
  const db = new Kysely<Record<string, never>>({
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => new BoundedDriver(dialect.createDriver(), 1, acquireTimeoutMs),
      createIntrospector: (kysely) => dialect.createIntrospector(kysely),
      createQueryCompiler: () => dialect.createQueryCompiler(),
    },
  });
  /** Holds the only connection in an open transaction until the returned function is called. */
  const holdConnection = async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    let started!: () => void;
    const running = new Promise<void>((resolve) => started = resolve);
    const done = db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      started();
      await held;
    });
    await running;
    return async () => {
      release();
      await done;
    };
  };
  return { db, holdConnection };
}

const selectOne = (db: Kysely<Record<string, never>>) => sql<{ n: number }>`select 1 as n`.execute(db);

Deno.test("bounded driver: a waiting query gets the connection as soon as it is released", async () => {
  const { db, holdConnection } = await boundedDatabase(2000);
  try {
    const release = await holdConnection();
    let answered = false;
    const waiting = selectOne(db).then((result) => {
      answered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(answered, false, "waits while the only connection is held");
    await release();
    assertEquals((await waiting).rows, [{ n: 1 }]);
  } finally {
    await db.destroy();
  }
});

Deno.test("bounded driver: a query that waits past the acquire timeout fails as unavailable, and the pool recovers", async () => {
  const { db, holdConnection } = await boundedDatabase(200);
  try {
    const release = await holdConnection();
    const started = performance.now();
    const outcomes = await Promise.allSettled([selectOne(db), selectOne(db), selectOne(db)]);
    const waited = performance.now() - started;
    for (const outcome of outcomes) {
      assertEquals(outcome.status, "rejected");
      assert((outcome as PromiseRejectedResult).reason instanceof DatabaseUnavailableError);
    }
    assert(waited >= 190, `gave up after ${waited} ms, before the timeout`);
    await release();
    // Expired waiters gave nothing back they did not hold: the one connection is free again
    assertEquals((await selectOne(db)).rows, [{ n: 1 }]);
    const again = await holdConnection();
    await again();
  } finally {
    await db.destroy();
  }
});
