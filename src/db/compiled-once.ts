import type { Compilable, CompiledQuery, QueryResult } from "kysely";
import type { Executor } from "./schema.ts";

/**
 * A query built and compiled on its first run, then run with each call's values. Building
 * and compiling even a one-line select costs Kysely several times what sending the compiled
 * query costs; the statements behind every token check and every refresh skip that work.
 *
 * `build` gets stand-ins for the values and must pass them straight to the builder: each
 * becomes one bound parameter, replaced by the real value on every run. Values written in
 * the query itself (constants) stay as compiled. The SQL is kept for the process: every
 * executor must compile alike (one dialect, no plugins), as the service's do.
 */
export function compiledOnce<Values extends unknown[], Row>(
  build: (db: Executor, ...values: Values) => Compilable<Row>,
): (db: Executor, ...values: Values) => Promise<QueryResult<Row>> {
  let compiled: { query: CompiledQuery<Row>; slots: number[] } | undefined;
  return async (db, ...values) => {
    if (!compiled) {
      const standIns = values.map(() => Object.freeze({}));
      const query = build(db, ...standIns as Values).compile();
      const slots = query.parameters.map((parameter) => standIns.indexOf(parameter as object));
      for (const standIn of standIns) {
        if (!query.parameters.includes(standIn)) throw new Error("compiledOnce: a value did not become a parameter");
      }
      compiled = { query, slots };
    }
    const { query, slots } = compiled;
    const parameters = slots.map((slot, index) => slot < 0 ? query.parameters[index] : values[slot]);
    return await db.executeQuery<Row>({ ...query, parameters });
  };
}
