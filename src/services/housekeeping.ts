import type { Kysely } from "kysely";
import type { Clock, TimerId } from "../clock.ts";
import type { Config } from "../config.ts";
import type { DB } from "../db/schema.ts";
import { describeError, type Logger } from "../logger.ts";
import {
  deleteExpiredBatch,
  deleteExpiredSignupsBatch,
  EXPIRING_TABLES,
  type ExpiringTable,
  type Retention,
} from "../repositories/housekeeping.ts";
import { eraseDueAccounts } from "./accounts/settings/erasure.ts";

/**
 * Rows deleted per table by one run, accounts erased after their grace period, and expired
 * pending sign-ups with the unverified accounts they took along.
 */
export type PurgeReport = Record<ExpiringTable, number> & {
  erased_accounts: number;
  pending_signups: number;
  unverified_users: number;
};

export interface HousekeepingOptions {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** Time between runs; the first run comes one interval after start */
  intervalMs?: number;
  /** Rows per DELETE: short statements, short locks */
  batchSize?: number;
  /** Batches per table per run; what is left waits for the next run */
  maxBatchesPerRun?: number;
  /** How long security events are kept (SECURITY_EVENT_RETENTION_DAYS; 365 days by default) */
  retention?: Retention;
  /**
   * The configuration: with it, accounts whose deletion grace period is over are erased (their
   * events pseudonymised with a key from HMAC_SECRET); without it, only expired rows go
   */
  config?: Config;
}

export interface Housekeeping {
  /** Purges now; used by the timer and by tests */
  runOnce(): Promise<PurgeReport>;
  /** Stops the timer and waits for a run in progress */
  stop(): Promise<void>;
}

const DEFAULTS = { intervalMs: 10 * 60_000, batchSize: 500, maxBatchesPerRun: 20 };

/**
 * Periodically erases accounts whose deletion grace period is over, and deletes expired refresh tokens, denylist entries, email codes, reset tokens,
 * sessions and known devices, second-factor challenges and unactivated authenticator enrolments, pending sign-ups older than PENDING_SIGNUP_TTL_DAYS (and the
 * unverified accounts whose last sign-up that was), and security events and settled outbox mail past their retention, in
 * bounded batches. Consumed refresh tokens stay until they expire: reuse
 * detection needs them. Expiry is read from the injected clock, which also times the runs.
 */
export function startHousekeeping(options: HousekeepingOptions): Housekeeping {
  const { db, clock, logger } = options;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const maxBatches = options.maxBatchesPerRun ?? DEFAULTS.maxBatchesPerRun;
  let timer: TimerId | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function runOnce(): Promise<PurgeReport> {
    const now = clock.now();
    const report = { erased_accounts: 0, pending_signups: 0, unverified_users: 0 } as PurgeReport;
    // Erasure first: what it deletes need not wait for the expiry sweeps below
    if (options.config) {
      report.erased_accounts = await eraseDueAccounts({ db, config: options.config }, now, batchSize * maxBatches);
    }
    for (let batch = 0; batch < maxBatches && !stopped; batch++) {
      const deleted = await deleteExpiredSignupsBatch(db, now, batchSize);
      report.pending_signups += deleted.pending_signups;
      report.unverified_users += deleted.unverified_users;
      if (deleted.pending_signups < batchSize) break;
    }
    for (const table of Object.keys(EXPIRING_TABLES) as ExpiringTable[]) {
      report[table] = 0;
      for (let batch = 0; batch < maxBatches && !stopped; batch++) {
        const deleted = await deleteExpiredBatch(db, table, now, batchSize, options.retention);
        report[table] += deleted;
        if (deleted < batchSize) break;
      }
    }
    return report;
  }

  function schedule() {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      running = runOnce()
        .then((report) => {
          if (Object.values(report).some((count) => count > 0)) logger.info("housekeeping", { deleted: report });
        })
        .catch((error) => logger.warn("housekeeping failed, retrying next interval", { error: describeError(error) }))
        .finally(schedule);
    }, intervalMs);
  }
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
    },
  };
}
