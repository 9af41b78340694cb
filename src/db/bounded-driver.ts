import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";
import { DatabaseUnavailableError } from "./errors.ts";

interface Waiter {
  grant(): void;
  refuse(error: Error): void;
  deadline: number;
}

/**
 * Wraps a driver so at most `size` connections are in use and a caller waits at most
 * `acquireTimeoutMs` for one. postgres.js would queue without bound (and slows down while
 * its queue grows); here an exhausted pool becomes a fast 503 instead of a hang.
 *
 * Under load most queries wait a moment, so waiting must be cheap: one sweep timer checks
 * the deadlines (FIFO with one timeout: the oldest waiter expires first) instead of a timer
 * per waiter.
 */
export class BoundedDriver implements Driver {
  #inUse = 0;
  #waiters: Waiter[] = [];
  #sweeper: ReturnType<typeof setInterval> | undefined;

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
    for (const waiter of this.#waiters.splice(0)) {
      waiter.refuse(new DatabaseUnavailableError("The database is closing"));
    }
    this.#stopSweepingWhenIdle();
    return this.inner.destroy();
  }

  #takeSlot(): Promise<void> {
    if (this.#inUse < this.size) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise((grant, refuse) => {
      this.#waiters.push({ grant, refuse, deadline: performance.now() + this.acquireTimeoutMs });
      this.#sweeper ??= setInterval(() => this.#expireWaiters(), Math.min(100, this.acquireTimeoutMs / 4));
    });
  }

  #freeSlot(): void {
    const next = this.#waiters.shift();
    // The slot passes straight to the next waiter: the count of connections in use stays
    if (next) next.grant();
    else this.#inUse--;
    this.#stopSweepingWhenIdle();
  }

  #expireWaiters(): void {
    const now = performance.now();
    while (this.#waiters.length > 0 && this.#waiters[0].deadline <= now) {
      this.#waiters.shift()!.refuse(new DatabaseUnavailableError("Timed out waiting for a database connection"));
    }
    this.#stopSweepingWhenIdle();
  }

  #stopSweepingWhenIdle(): void {
    if (this.#waiters.length > 0 || this.#sweeper === undefined) return;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}
