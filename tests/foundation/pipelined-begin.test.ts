import { type CompiledQuery, type DatabaseConnection, type Driver, Kysely, type QueryResult, sql } from "kysely";
import { PGlite } from "@electric-sql/pglite";
import { PGliteDialect } from "kysely-pglite-dialect";
import { assertEquals, assertRejects } from "../helpers/assert.ts";
import { PipelinedBeginDriver } from "../../src/db/pipelined-begin-driver.ts";

/** A driver that records what reaches the connection, with BEGIN's answer held back until released. */
function holdingDriver(beginOutcome: "ok" | "fail") {
  const sent: string[] = [];
  let answerBegin!: () => void;
  const beginAnswered = new Promise<void>((resolve) => answerBegin = resolve);
  const connection: DatabaseConnection = {
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      sent.push(query.sql);
      return Promise.resolve({ rows: [{ sql: query.sql }] as R[] });
    },
    streamQuery: () => {
      throw new Error("not used");
    },
  };
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => Promise.resolve(connection),
    async beginTransaction() {
      sent.push("begin");
      await beginAnswered;
      if (beginOutcome === "fail") throw new Error("connection lost during BEGIN");
    },
    commitTransaction: () => Promise.resolve(void sent.push("commit")),
    rollbackTransaction: () => Promise.resolve(void sent.push("rollback")),
    releaseConnection: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  };
  return { driver, sent, answerBegin };
}

const statement = { sql: "select 1", parameters: [], query: {} } as unknown as CompiledQuery;

Deno.test("pipelined begin: the first statement is sent before BEGIN has answered, and returns once it has", async () => {
  const { driver, sent, answerBegin } = holdingDriver("ok");
  const pipelined = new PipelinedBeginDriver(driver);
  const connection = await pipelined.acquireConnection();
  await pipelined.beginTransaction(connection, {});
  let answered = false;
  const first = connection.executeQuery(statement).then((result) => {
    answered = true;
    return result;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assertEquals(sent, ["begin", "select 1"], "both on their way");
  assertEquals(answered, false, "the statement waits for BEGIN's answer");
  answerBegin();
  assertEquals((await first).rows, [{ sql: "select 1" }]);
  await connection.executeQuery(statement);
  await pipelined.commitTransaction(connection);
  assertEquals(sent, ["begin", "select 1", "select 1", "commit"]);
});

Deno.test("pipelined begin: a failed BEGIN is what the first statement reports", async () => {
  const { driver, answerBegin } = holdingDriver("fail");
  const pipelined = new PipelinedBeginDriver(driver);
  const connection = await pipelined.acquireConnection();
  await pipelined.beginTransaction(connection, {});
  const first = connection.executeQuery(statement);
  answerBegin();
  const error = await assertRejects(() => first, Error);
  assertEquals(error.message, "connection lost during BEGIN");
  await pipelined.rollbackTransaction(connection);
});

Deno.test("pipelined begin: a failed BEGIN with no statement after it fails the commit", async () => {
  const { driver, sent, answerBegin } = holdingDriver("fail");
  const pipelined = new PipelinedBeginDriver(driver);
  const connection = await pipelined.acquireConnection();
  await pipelined.beginTransaction(connection, {});
  answerBegin();
  await assertRejects(() => pipelined.commitTransaction(connection), Error);
  assertEquals(sent, ["begin"], "no COMMIT for a transaction that never began");
});

Deno.test("pipelined begin on a real database: commits keep, rollbacks discard", async () => {
  const pglite = new PGlite();
  await pglite.waitReady;
  const dialect = new PGliteDialect(pglite);
  const db = new Kysely<{ notes: { body: string } }>({
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => new PipelinedBeginDriver(dialect.createDriver()),
      createIntrospector: (kysely) => dialect.createIntrospector(kysely),
      createQueryCompiler: () => dialect.createQueryCompiler(),
    },
  });
  try {
    await sql`create table notes (body text not null)`.execute(db);
    await db.transaction().execute((trx) => trx.insertInto("notes").values({ body: "kept" }).execute());
    await assertRejects(() =>
      db.transaction().execute(async (trx) => {
        await trx.insertInto("notes").values({ body: "discarded" }).execute();
        throw new Error("changed my mind");
      })
    );
    await assertRejects(() =>
      db.transaction().execute((trx) => trx.insertInto("notes").values({ body: null as unknown as string }).execute())
    );
    assertEquals(await db.selectFrom("notes").select("body").execute(), [{ body: "kept" }]);
  } finally {
    await db.destroy();
  }
});
