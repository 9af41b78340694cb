/**
 * A Kysely driver that puts each statement in a span (`SELECT users`, `INSERT mail_outbox`…),
 * a child of the request's span: the statement's operation and table, never its text or values.
 * Used only while tracing is on, so a service that does not trace pays nothing for it.
 * @module
 */
import type { AbortableOperationOptions, CompiledQuery, DatabaseConnection, Driver, QueryResult } from "kysely";
import { SpanKind, withSpan } from "../tracing.ts";

const TABLE = /\b(?:from|into|update|join)\s+"?([a-z_][a-z0-9_]*)"?/i;

/** The span name of a statement: its first keyword and the first table it names. */
export function statementName(sql: string): { operation: string; table?: string } {
  const operation = (/^\s*\(?\s*([a-z]+)/i.exec(sql)?.[1] ?? "SQL").toUpperCase();
  const table = TABLE.exec(sql)?.[1];
  return table ? { operation, table } : { operation };
}

/** Wraps `driver` so that every statement its connections run is spanned. */
export function tracedDriver(driver: Driver, system = "postgresql"): Driver {
  const originals = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const original = (connection: DatabaseConnection) => originals.get(connection) ?? connection;

  function traced(connection: DatabaseConnection): DatabaseConnection {
    const wrapper: DatabaseConnection = {
      executeQuery<R>(query: CompiledQuery, options?: AbortableOperationOptions): Promise<QueryResult<R>> {
        const { operation, table } = statementName(query.sql);
        return withSpan(
          table ? `${operation} ${table}` : operation,
          {
            "db.system.name": system,
            "db.operation.name": operation,
            ...(table ? { "db.collection.name": table } : {}),
          },
          () => connection.executeQuery<R>(query, options),
          SpanKind.CLIENT,
        );
      },
      streamQuery: (query, chunkSize, options) => connection.streamQuery(query, chunkSize, options),
      ...(connection.cancelQuery ? { cancelQuery: connection.cancelQuery.bind(connection) } : {}),
      ...(connection.collectSessionInfo ? { collectSessionInfo: connection.collectSessionInfo.bind(connection) } : {}),
      ...(connection.killSession ? { killSession: connection.killSession.bind(connection) } : {}),
    };
    originals.set(wrapper, connection);
    return wrapper;
  }

  const wrapped: Driver = {
    init: (options) => driver.init(options),
    acquireConnection: async (options) => traced(await driver.acquireConnection(options)),
    beginTransaction: (connection, settings) => driver.beginTransaction(original(connection), settings),
    commitTransaction: (connection) => driver.commitTransaction(original(connection)),
    rollbackTransaction: (connection) => driver.rollbackTransaction(original(connection)),
    releaseConnection: (connection, options) => driver.releaseConnection(original(connection), options),
    destroy: (options) => driver.destroy(options),
  };
  if (driver.savepoint) {
    wrapped.savepoint = (connection, name, compile) => driver.savepoint!(original(connection), name, compile);
  }
  if (driver.rollbackToSavepoint) {
    wrapped.rollbackToSavepoint = (connection, name, compile) =>
      driver.rollbackToSavepoint!(original(connection), name, compile);
  }
  if (driver.releaseSavepoint) {
    wrapped.releaseSavepoint = (connection, name, compile) =>
      driver.releaseSavepoint!(original(connection), name, compile);
  }
  return wrapped;
}
