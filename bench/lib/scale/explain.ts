/**
 * `EXPLAIN (ANALYZE, BUFFERS)` of the service's own hot statements: each repository function
 * runs once against a recording Kysely (nothing is sent), and what it would have sent is then
 * explained on the benchmark's database inside a transaction that is rolled back.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";
import type { Sql } from "postgres";
import type { DB } from "../../../src/db/schema.ts";

/** One statement and its plan. */
export interface ExplainedStatement {
  name: string;
  sql: string;
  plan: string;
}

/** A Kysely whose statements are recorded instead of sent; every statement answers no rows. */
export function recordingDb(): { db: Kysely<DB>; take(): CompiledQuery[] } {
  let recorded: CompiledQuery[] = [];
  const connection: DatabaseConnection = {
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      if (!/^(begin|commit|rollback)/i.test(query.sql)) recorded.push(query);
      return Promise.resolve({ rows: [] });
    },
    // deno-lint-ignore require-yield -- no statement here streams
    async *streamQuery() {
      throw new Error("not recorded");
    },
  };
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => Promise.resolve(connection),
    beginTransaction: () => Promise.resolve(),
    commitTransaction: () => Promise.resolve(),
    rollbackTransaction: () => Promise.resolve(),
    releaseConnection: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  };
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return {
    db,
    take() {
      const taken = recorded;
      recorded = [];
      return taken;
    },
  };
}

class RollBack extends Error {}

/** Runs `work` on the recording db and explains every statement it would have sent. */
export async function explainStatements(
  sql: Sql,
  name: string,
  work: (db: Kysely<DB>) => Promise<unknown>,
): Promise<ExplainedStatement[]> {
  const recorder = recordingDb();
  // Functions that expect a row (executeTakeFirstOrThrow) fail on the recorder's empty answer
  await work(recorder.db).catch(() => {});
  const statements = recorder.take();
  const explained: ExplainedStatement[] = [];
  for (const [index, query] of statements.entries()) {
    let plan = "";
    await sql.begin(async (trx) => {
      const rows = await trx.unsafe(
        `explain (analyze, buffers) ${query.sql}`,
        query.parameters as never[],
      );
      plan = rows.map((row) => row["QUERY PLAN"] as string).join("\n");
      throw new RollBack();
    }).catch((error) => {
      if (!(error instanceof RollBack)) plan = `not explained: ${(error as Error).message}`;
    });
    explained.push({ name: statements.length > 1 ? `${name} (${index + 1})` : name, sql: query.sql, plan });
  }
  return explained;
}

/** The execution time a plan reports, in ms (NaN when it has none). */
export function executionMs(plan: string): number {
  const match = plan.match(/Execution Time: ([\d.]+) ms/);
  return match ? Number(match[1]) : Number.NaN;
}
