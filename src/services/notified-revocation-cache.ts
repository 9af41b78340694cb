import type { Clock } from "../clock.ts";
import type { NotificationListener } from "../db/database.ts";
import type { Database } from "../db/database.ts";
import { describeError, type Logger } from "../logger.ts";
import { type CacheEntry, createMemoryRevocationCache, type RevocationCache } from "./revocation-cache.ts";

export interface NotifiedCacheOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** NOTIFY channel; instances of one deployment share it */
  channel: string;
  /** How often each instance proves to itself that it still hears the channel */
  heartbeatMs?: number;
  /** How long a publication waits to hear itself back before it counts as failed */
  echoTimeoutMs?: number;
}

/** A heartbeat (no entries), a revocation (entries), or an acknowledgement of one (ack). */
type Message = { from: string; id: number; entries?: CacheEntry[]; ack?: { to: string; id: number } };

/**
 * A per-process cache that every instance keeps in step through PostgreSQL LISTEN/NOTIFY,
 * for deployments without Redis. A revocation is raised locally and broadcast; `raise`
 * returns once every instance heard lately has acknowledged it, so none answers from the
 * old facts afterwards. "Still valid" entries are trusted only while the instance demonstrably hears the
 * channel (its own heartbeat came back recently); after the listening connection drops,
 * everything cached is forgotten, since a revocation may have been missed.
 */
export function createNotifiedRevocationCache(options: NotifiedCacheOptions): RevocationCache {
  const { database, clock, logger, channel } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const echoTimeoutMs = options.echoTimeoutMs ?? 1000;
  const self = crypto.randomUUID();
  let memory = createMemoryRevocationCache(clock);
  let nextId = 0;
  let lastEchoMs = Number.NEGATIVE_INFINITY;
  let listening = false;
  let epoch = 0;
  let closed = false;
  /** Publications awaiting their echo and every peer's acknowledgement */
  const waiting = new Map<number, { pending: Set<string>; done: () => void }>();
  /** Other instances on the channel, by when they were last heard */
  const peers = new Map<string, number>();

  const listener: NotificationListener = database.openListener!({
    onMessage(_channel, payload) {
      let message: Message;
      try {
        message = JSON.parse(payload);
      } catch {
        return;
      }
      const nowMs = performance.now();
      if (message.from !== self) peers.set(message.from, nowMs);
      if (message.ack) {
        if (message.ack.to === self) settle(message.ack.id, message.from);
        return;
      }
      if (message.entries) {
        void memory.raise(message.entries);
        if (message.from !== self) void notify({ from: self, id: nextId++, ack: { to: message.from, id: message.id } });
      }
      if (message.from === self) {
        lastEchoMs = nowMs;
        settle(message.id, self);
      }
    },
    onClose() {
      if (closed) return;
      listening = false;
      forget();
    },
  });

  /** Messages sent while nobody listened are gone: start again from Postgres */
  function forget() {
    epoch++;
    void memory.close();
    memory = createMemoryRevocationCache(clock);
  }

  function settle(id: number, from: string) {
    const entry = waiting.get(id);
    if (!entry) return;
    entry.pending.delete(from);
    if (entry.pending.size === 0) entry.done();
  }

  function notify(message: Message): Promise<void> {
    return listener.notify(channel, JSON.stringify(message));
  }

  /**
   * Broadcasts and waits until this instance heard its own message and every peer heard
   * from lately acknowledged applying it: then no instance answers from the old facts.
   */
  async function send(entries?: CacheEntry[]): Promise<void> {
    const id = nextId++;
    const nowMs = performance.now();
    const expected = new Set<string>([self]);
    if (entries) {
      for (const [peer, seenMs] of peers) {
        if (nowMs - seenMs < heartbeatMs * 3) expected.add(peer);
        else peers.delete(peer);
      }
    }
    const heard = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("revocation broadcast was not acknowledged in time"));
      }, echoTimeoutMs);
      waiting.set(id, {
        pending: expected,
        done: () => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve();
        },
      });
    });
    try {
      await notify({ from: self, id, ...(entries ? { entries } : {}) });
    } catch (error) {
      waiting.get(id)?.done();
      throw error;
    }
    await heard;
  }

  async function keepListening() {
    if (closed) return;
    if (!listening) {
      try {
        await listener.listen(channel);
        // Anything cached while not listening may have missed a revocation
        forget();
        listening = true;
      } catch (error) {
        logger.debug("revocation channel not listening yet", { error: describeError(error) });
        return;
      }
    }
    await send().catch(() => {});
  }

  const heartbeat = setInterval(keepListening, heartbeatMs);
  void keepListening();

  return {
    kind: "memory",
    get shared() {
      return listening && performance.now() - lastEchoMs < heartbeatMs * 3;
    },
    get epoch() {
      return epoch;
    },
    read: (keys) => memory.read(keys),
    async raise(entries, raiseOptions) {
      if (!raiseOptions?.publish && raiseOptions?.epoch !== undefined && raiseOptions.epoch !== epoch) return;
      await memory.raise(entries);
      if (raiseOptions?.publish) await send(entries);
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      for (const entry of waiting.values()) entry.done();
      await listener.close();
      await memory.close();
    },
  };
}
