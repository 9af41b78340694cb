import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";
import { DatabaseUnavailableError } from "./errors.ts";

/**
 * Wraps a driver so at most `size` connections are in use and a caller waits at most
 * `acquireTimeoutMs` for one. postgres.js would queue without bound (and slows down while
 * its queue grows); here an exhausted pool becomes a fast 503 instead of a hang.
 */
export class BoundedDriver implements Driver {
  #inUse = 0;
  #waiters: Array<() => void> = [];

  constructor(
    private readonly inner: Driver,
    private readonly size: number,
    private readonly acquireTimeoutMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#takeSlot();
    try {
      return await this.inner.acquireConnection();
    } catch (error) {
      this.#freeSlot();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.#freeSlot();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  #takeSlot(): Promise<void> {
    if (this.#inUse < this.size) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        this.#inUse++;
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new DatabaseUnavailableError("Timed out waiting for a database connection"));
      }, this.acquireTimeoutMs);
      this.#waiters.push(waiter);
    });
  }

  #freeSlot(): void {
    this.#inUse--;
    this.#waiters.shift()?.();
  }
}
