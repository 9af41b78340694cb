/**
 * The durable-delivery core shared by the mail outbox and webhooks: rows are claimed with a lease
 * (FOR UPDATE SKIP LOCKED, by the queue), each claim spends an attempt, a failure is retried after a
 * growing backoff until the last attempt marks the row failed. A worker that dies mid-delivery gives
 * its rows back when the lease ends, so every row is delivered at least once by some instance.
 * @module
 */
import type { Clock, TimerId } from "../clock.ts";
import type { Logger } from "../logger.ts";

/** A claimed row: its id, and the attempts spent on it including the current one. */
export interface DeliveryItem {
  id: string;
  attempts: number;
}

/** What one poll asks of the queue. */
export interface ClaimOptions {
  now: Date;
  leaseUntil: Date;
  limit: number;
  /** Lanes already at their limit on this worker: their rows stay for later or another worker */
  skipLanes: string[];
  /** At most this many rows of one lane */
  perLane: number;
}

/** Where the rows live; one implementation per table (repositories). */
export interface DeliveryQueue<T extends DeliveryItem> {
  /**
   * Leases up to `limit` due rows to this worker and spends an attempt on each; rows of the lanes
   * in `skipLanes` (already at their limit on this worker) stay for later or another worker
   */
  claim(options: ClaimOptions): Promise<T[]>;
  delivered(item: T, now: Date): Promise<void>;
  reschedule(item: T, nextAttemptAt: Date, reason: string): Promise<void>;
  fail(item: T, reason: string): Promise<void>;
}

/** What one attempt came to. */
export type DeliveryOutcome = "sent" | "retry" | "failed";

/** How a worker polls, leases and retries; every field has a default. */
export interface DeliveryTuning {
  /** Pause between polls when nothing more is due */
  intervalMs?: number;
  /** Rows claimed per poll */
  batchSize?: number;
  /** How long a claim lasts; a worker that dies mid-delivery gives its rows back after it */
  leaseMs?: number;
  /** Attempts before a row is marked failed */
  maxAttempts?: number;
  /** First retry delay; each further attempt doubles it, up to maxBackoffMs */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** How often the backlog is read for the observer */
  backlogIntervalMs?: number;
}

export interface DeliveryWorkerOptions<T extends DeliveryItem> extends DeliveryTuning {
  /** Names the worker in its logs */
  name: string;
  queue: DeliveryQueue<T>;
  /** Delivers one row; throws to have it retried */
  deliver(item: T): Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Hears each attempt's outcome (logs, metrics); `reason` is set for failures */
  onOutcome(item: T, outcome: DeliveryOutcome, detail: { reason?: string; nextAttemptAt?: Date }): void;
  /** Reads the backlog for the observer, on the worker's schedule (not per scrape: metrics run no SQL) */
  reportBacklog?(): Promise<void>;
  /** Rows of one lane are delivered at most `laneConcurrency` at a time; lanes run side by side */
  lane?(item: T): string;
  laneConcurrency?: number;
}

/** Delivers a durable queue in the background. */
export interface DeliveryWorker {
  start(): void;
  /** Stops polling and waits for the deliveries in progress */
  stop(): Promise<void>;
  /** Claims and delivers one batch and waits for it; resolves to the number of rows delivered */
  runOnce(): Promise<number>;
}

const MAX_ERROR_LENGTH = 300;

/** Delay before the attempt after `attempts` failed ones: base · 2^(attempts-1), capped. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Builds a worker over one queue; several instances may run against one database. */
export function createDeliveryWorker<T extends DeliveryItem>(options: DeliveryWorkerOptions<T>): DeliveryWorker {
  const { queue, clock, logger } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const baseMs = options.backoffBaseMs ?? 5_000;
  const maxMs = options.maxBackoffMs ?? 3_600_000;
  const laneOf = options.lane ?? (() => "");
  const laneConcurrency = options.laneConcurrency ?? 1;
  const backlogIntervalMs = options.backlogIntervalMs ?? 10_000;
  let backlogReadMs: number | undefined;
  let timer: TimerId | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function attempt(item: T): Promise<boolean> {
    try {
      await options.deliver(item);
    } catch (error) {
      const reason = describeFailure(error);
      if (item.attempts >= maxAttempts) {
        await queue.fail(item, reason);
        options.onOutcome(item, "failed", { reason });
      } else {
        const nextAttemptAt = new Date(clock.now().getTime() + backoffMs(item.attempts, baseMs, maxMs));
        await queue.reschedule(item, nextAttemptAt, reason);
        options.onOutcome(item, "retry", { reason, nextAttemptAt });
      }
      return false;
    }
    await queue.delivered(item, clock.now());
    options.onOutcome(item, "sent", {});
    return true;
  }

  // What this worker has claimed and not finished, by lane: a lane's rows wait here for one of its
  // `laneConcurrency` slots, and a poll claims nothing of a lane whose slots are all taken
  const lanes = new Map<string, { queued: T[]; running: number }>();
  const inFlight = new Set<Promise<void>>();
  let sentByRunOnce = 0;
  // The last poll claimed a whole batch, so more rows are likely due
  let moreDue = false;

  function laneState(lane: string) {
    let state = lanes.get(lane);
    if (!state) lanes.set(lane, state = { queued: [], running: 0 });
    return state;
  }

  /** Starts the lane's queued rows while it has free slots; each one that settles starts the next. */
  function startLane(lane: string): void {
    const state = laneState(lane);
    while (state.running < laneConcurrency && state.queued.length > 0) {
      const item = state.queued.shift()!;
      state.running++;
      const done: Promise<void> = attempt(item)
        .catch((error) => {
          // The row keeps its lease and is claimed again after it: nothing is lost
          logger.warn(`${options.name} could not record an attempt`, { reason: describeFailure(error) });
          return false;
        })
        .then((sent) => {
          if (sent) sentByRunOnce++;
          state.running--;
          inFlight.delete(done);
          if (state.running > 0 || state.queued.length > 0) return startLane(lane);
          lanes.delete(lane);
          // A lane that drained after a full batch makes room for what is still due: poll at once
          if (moreDue) wake();
        });
      inFlight.add(done);
    }
  }

  /** Lanes with every slot taken on this worker: a poll leaves their rows to later or to another worker. */
  function fullLanes(): string[] {
    return [...lanes].filter(([, state]) => state.running >= laneConcurrency).map(([lane]) => lane);
  }

  /**
   * Claims what is due and starts it; resolves to whether a whole batch was claimed. A lane gets at
   * most `laneConcurrency` rows a poll, so no row waits here longer than one attempt of its lane (far
   * inside its lease, after which another worker could take it). Without lanes every row is one
   * lane, sent one after another as a batch.
   */
  async function claimAndStart(): Promise<boolean> {
    const skipLanes = fullLanes();
    if (!options.lane && skipLanes.length > 0) return false;
    const now = clock.now();
    const batch = await queue.claim({
      now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      limit: batchSize,
      skipLanes,
      perLane: options.lane ? laneConcurrency : batchSize,
    });
    for (const item of batch) laneState(laneOf(item)).queued.push(item);
    for (const lane of new Set(batch.map(laneOf))) startLane(lane);
    moreDue = batch.length >= batchSize;
    return moreDue;
  }

  async function runOnce(): Promise<number> {
    sentByRunOnce = 0;
    await claimAndStart();
    while (inFlight.size > 0) await Promise.race(inFlight);
    return sentByRunOnce;
  }

  async function reportBacklog(): Promise<void> {
    if (!options.reportBacklog) return;
    const now = clock.monotonicMs();
    if (backlogReadMs !== undefined && now - backlogReadMs < backlogIntervalMs) return;
    backlogReadMs = now;
    try {
      await options.reportBacklog();
    } catch (error) {
      // The gauges keep their last reading; a database that fails fails the next poll too, and says so there
      logger.debug(`${options.name} backlog read failed`, { reason: describeFailure(error) });
    }
  }

  /**
   * One poll of the background loop: with lanes it starts what it claims and does not wait for it,
   * so a receiver that hangs holds only its own lane's slots while the other lanes keep being claimed.
   */
  async function tick(): Promise<void> {
    let delay = intervalMs;
    try {
      const full = await claimAndStart();
      // Without lanes there is nobody else to hold up: the poll waits for its batch, as one queue
      if (!options.lane) { while (inFlight.size > 0) await Promise.race(inFlight); }
      // A full batch suggests more is due: poll again at once
      if (full) delay = 0;
    } catch (error) {
      logger.warn(`${options.name} poll failed`, { reason: describeFailure(error) });
    }
    await reportBacklog();
    running = undefined;
    if (!stopped) timer = clock.setTimeout(loop, delay);
  }

  function loop(): void {
    running = tick();
  }

  /** Polls now, unless stopped or a poll is under way (it schedules the next one itself). */
  function wake(): void {
    if (stopped || running) return;
    clock.clearTimeout(timer);
    timer = clock.setTimeout(loop, 0);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = clock.setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    runOnce,
  };
}

/** A short reason for logs and the row: error code and message, never the content. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, MAX_ERROR_LENGTH);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === "string" ? code + ": " : ""}${error.message}`.slice(0, MAX_ERROR_LENGTH);
}
