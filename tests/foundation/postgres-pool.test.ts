/**
 * The pool in front of postgres.js on a real PostgreSQL (TEST_DATABASE_URL), with the deadlines on
 * a ManualClock: a slot comes back exactly once whatever happens to its statement, a connection
 * that failed or ran out of time is never used again, and waiting is bounded.
 */
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import postgres from "postgres";
import { assert, assertEquals } from "../helpers/assert.ts";
import { memoryLogger } from "../helpers/app.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";
import { until } from "../helpers/until.ts";
import { ManualClock } from "../../src/clock.ts";
import { createDatabase, type Database, livenessBoundMs } from "../../src/db/database.ts";
import { DatabaseTimeoutError, DatabaseUnavailableError, isDatabaseUnavailable } from "../../src/db/errors.ts";
import { PostgresPool } from "../../src/db/postgres-pool.ts";
import { installProcessGuards } from "../../src/process-guards.ts";

const guardLog = memoryLogger();
installProcessGuards(guardLog);

const DEADLINE_MS = 1000;

async function withPool(
  options: { size?: number; statementTimeoutMs?: number; acquireTimeoutMs?: number },
  body: (database: Database, clock: ManualClock) => Promise<void>,
) {
  const clock = new ManualClock();
  const database = await createDatabase({
    url: TEST_DATABASE_URL,
    poolSize: options.size ?? 1,
    statementTimeoutMs: options.statementTimeoutMs ?? DEADLINE_MS,
    acquireTimeoutMs: options.acquireTimeoutMs ?? DEADLINE_MS,
    clock,
  });
  try {
    await body(database, clock);
    assertEquals(guardLog.lines, [], "nothing escaped to the process guards");
  } finally {
    await database.close();
  }
}

const pid = async (database: Database) =>
  (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0].pid;
/** The pool holds `count` connections: a statement sent is under its deadline. */
const inUse = (database: Database, count: number) =>
  until(() => database.stats()?.inUse === count, { what: `${count} connection(s) in use` });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name: `postgres pool: ${name}`, ignore: !TEST_DATABASE_URL, sanitizeOps: false, fn });
}

test("a statement past its deadline fails as unavailable, its connection is dropped and its slot returns", () =>
  withPool({}, async (database, clock) => {
    const before = await pid(database);
    const slow = sql`select pg_sleep(3)`.execute(database.db);
    await inUse(database, 1);
    clock.advance(DEADLINE_MS);
    const error = await rejection(slow);
    assert(error instanceof DatabaseTimeoutError, `timed out: ${error}`);
    assertEquals(database.stats()?.inUse, 0);
    assertEquals(database.stats()?.timedOut, 1);
    assert((await pid(database)) !== before, "the next statement runs on a new connection");
  }));

test("a transaction has one deadline, from the wait for a connection to COMMIT", () =>
  withPool({}, async (database, clock) => {
    let reachedCommit = false;
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      clock.advance(DEADLINE_MS / 2);
      await sql`select 2`.execute(trx);
      // The caller dawdles past the deadline without a statement in flight
      clock.advance(DEADLINE_MS / 2);
      assertEquals(database.stats()?.inUse, 0, "the slot came back at the deadline");
      await sql`select 3`.execute(trx);
      reachedCommit = true;
    });
    const error = await rejection(transaction);
    assert(error instanceof DatabaseTimeoutError, `timed out: ${error}`);
    assert(!reachedCommit);
    assertEquals(database.stats()?.inUse, 0);
    assertEquals((await sql<{ n: number }>`select 1 as n`.execute(database.db)).rows, [{ n: 1 }]);
  }));

test("a waiter gets the slot as soon as it is released, and gives up at the acquire timeout", () =>
  withPool({ statementTimeoutMs: 0, acquireTimeoutMs: 500 }, async (database, clock) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    let started!: () => void;
    const running = new Promise<void>((resolve) => started = resolve);
    const holder = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      started();
      await held;
    });
    await running;
    const refused = [1, 2].map(() => rejection(sql`select 1`.execute(database.db)));
    const waiting = sql<{ n: number }>`select 7 as n`.execute(database.db);
    await until(() => database.stats()?.waiting === 3, { what: "3 waiters" });
    assertEquals(database.stats()?.waiting, 3);
    clock.advance(400);
    assertEquals(database.stats()?.waiting, 3, "nobody gave up before the timeout");
    clock.advance(100);
    for (const error of await Promise.all(refused)) assert(error instanceof DatabaseUnavailableError, `${error}`);
    assertEquals(database.stats()?.waiting, 0, "the third waiter waited as long, and gave up too");
    assert((await rejection(waiting)) instanceof DatabaseUnavailableError);
    assertEquals(
      database.stats()?.acquireTimedOut,
      3,
      "each wait that ran out counts (db_pool_acquire_timeouts_total)",
    );
    release();
    await holder;
    assertEquals(database.stats()?.inUse, 0);
    assertEquals((await sql<{ n: number }>`select 8 as n`.execute(database.db)).rows, [{ n: 8 }]);
  }));

test("a connection the server terminates fails its statement as unavailable and is replaced", () =>
  withPool({}, async (database) => {
    const before = await pid(database);
    const killer = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const slow = sql`select pg_sleep(3)`.execute(database.db);
      // Terminated while the server runs it, not before it arrives
      await until(
        async () =>
          (await killer`select 1 from pg_stat_activity where pid = ${before} and state = 'active'`).length === 1,
        {
          what: "pg_sleep running",
        },
      );
      await killer`select pg_terminate_backend(${before})`;
      const error = await rejection(slow);
      assert(isDatabaseUnavailable(error), `unavailable: ${error}`);
      assertEquals(database.stats()?.inUse, 0);
      assert((await pid(database)) !== before);
    } finally {
      await killer.end();
    }
  }));

test("a transaction whose connection dies gets the connection's error, never a hang or a TypeError", () =>
  withPool({}, async (database) => {
    const killer = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const started = performance.now();
      const transaction = database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await killer`select pg_terminate_backend(${rows[0].pid})`;
        await until(
          async () => (await killer`select 1 from pg_stat_activity where pid = ${rows[0].pid}`).length === 0,
          {
            what: "the backend gone",
          },
        );
        await sql`select 1`.execute(trx);
      });
      const error = await rejection(transaction);
      assert(isDatabaseUnavailable(error), `unavailable: ${error}`);
      assert(performance.now() - started < DEADLINE_MS, "failed at once, without waiting for a deadline");
      assertEquals(database.stats()?.inUse, 0);
      assertEquals((await sql<{ n: number }>`select 1 as n`.execute(database.db)).rows, [{ n: 1 }]);
    } finally {
      await killer.end();
    }
  }));

test("a connection is retired after its lifetime between two leases, never inside a transaction", async () => {
  const clock = new ManualClock();
  const pool = new PostgresPool({
    size: 1,
    statementTimeoutMs: 0,
    acquireTimeoutMs: DEADLINE_MS,
    clock,
    lifetimeMs: () => 1000,
    openClient: (onClose) =>
      postgres(TEST_DATABASE_URL!, { max: 1, max_lifetime: 0, onnotice: () => {}, onclose: onClose }) as never,
  });
  const db = new Kysely<Record<string, never>>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => pool,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const pidOf = async (executor: Kysely<Record<string, never>>) =>
    (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(executor)).rows[0].pid;
  try {
    const first = await pidOf(db);
    const [before, after] = await db.transaction().execute(async (trx) => {
      const before = await pidOf(trx);
      clock.advance(2000);
      return [before, await pidOf(trx)];
    });
    assertEquals([before, after], [first, first], "the transaction keeps its connection past the lifetime");
    assert((await pidOf(db)) !== first, "the next lease gets a new connection");
    assertEquals(pool.stats().discarded, 1);
  } finally {
    await db.destroy();
  }
});

test("liveness fails once every slot has been held past the bound, and recovers when one returns", () =>
  withPool({ statementTimeoutMs: 0 }, async (database, clock) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    const holder = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await held;
    });
    await inUse(database, 1);
    assertEquals(database.live(), { live: true });
    clock.advance(livenessBoundMs(0));
    assertEquals(database.live(), { live: true }, "not before the bound");
    clock.advance(1);
    assertEquals(database.live(), { live: false, reason: "pool_exhausted" });
    release();
    await holder;
    assertEquals(database.live(), { live: true });
  }));
