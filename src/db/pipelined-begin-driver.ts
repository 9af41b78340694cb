import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from "kysely";

/**
 * Sends a transaction's BEGIN together with its first statement instead of waiting a round
 * trip for BEGIN's answer: postgres.js writes both in one packet on the reserved connection
 * and Postgres runs them in order. A refresh is four round trips instead of five.
 *
 * BEGIN's own failure (a connection lost on the way) still surfaces: the first statement
 * reports it in place of its own result, and COMMIT or ROLLBACK wait for it.
 */
export class PipelinedBeginDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PipelinedConnection(await this.inner.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const pipelined = connection as PipelinedConnection;
    const begin = this.inner.beginTransaction(pipelined.inner, settings);
    // Observed here so a failed BEGIN nobody awaits yet is never an unhandled rejection
    begin.catch(() => {});
    pipelined.pendingBegin = begin;
    return Promise.resolve();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const pipelined = connection as PipelinedConnection;
    await pipelined.takePendingBegin();
    await this.inner.commitTransaction(pipelined.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const pipelined = connection as PipelinedConnection;
    const rollback = this.inner.rollbackTransaction(pipelined.inner);
    await pipelined.takePendingBegin().catch(() => {});
    await rollback;
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as PipelinedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class PipelinedConnection implements DatabaseConnection {
  pendingBegin: Promise<void> | undefined;

  constructor(readonly inner: DatabaseConnection) {}

  /** The BEGIN still on its way, if any; the next statement or the transaction's end waits on it. */
  takePendingBegin(): Promise<void> {
    const begin = this.pendingBegin ?? Promise.resolve();
    this.pendingBegin = undefined;
    return begin;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.pendingBegin) return await this.inner.executeQuery<R>(query);
    const begin = this.takePendingBegin();
    // Sent before BEGIN has answered: both leave in the same write
    const result = this.inner.executeQuery<R>(query);
    try {
      await begin;
    } catch (error) {
      await result.catch(() => {});
      throw error;
    }
    return await result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}
