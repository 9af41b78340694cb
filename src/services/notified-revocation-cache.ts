import type { Clock } from "../clock.ts";
import type { NotificationListener } from "../db/database.ts";
import type { Database } from "../db/database.ts";
import { describeError, type Logger } from "../logger.ts";
import { withTimeout } from "../timeout.ts";
import { type CacheEntry, createMemoryRevocationCache, type RevocationCache } from "./revocation-cache.ts";

export interface NotifiedCacheOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** NOTIFY channel; instances of one deployment share it */
  channel: string;
  /**
   * How often each instance proves to itself that it still hears the channel. Every
   * instance on a channel must use the same value: three of these are the trust window.
   */
  heartbeatMs?: number;
}

/** One of this instance's messages on its way round the channel. */
interface Publication {
  sentMs: number;
  /** A revocation waits for peers' acknowledgements, a heartbeat only for its echo */
  revocation: boolean;
  acked: Set<string>;
  /** Peers whose acknowledgement is needed, decided when the echo arrives */
  awaited?: Set<string>;
  settled: boolean;
  settle: () => void;
}

/**
 * A heartbeat (no entries), a revocation (entries), an acknowledgement of one (ack), or an
 * instance's last word before it shuts down (leaving).
 */
type Message = {
  from: string;
  id: number;
  entries?: CacheEntry[];
  ack?: { to: string; id: number };
  leaving?: true;
};

/** How long a closing instance tries to say it is leaving before it just goes */
const LEAVING_TIMEOUT_MS = 1000;
/** Departed instances remembered, so that a straggling heartbeat does not bring one back */
const DEPARTED_REMEMBERED = 1000;

/**
 * A per-process cache that every instance keeps in step through PostgreSQL LISTEN/NOTIFY,
 * for deployments without Redis. A revocation is raised locally and broadcast; `raise`
 * returns once no instance can answer from the old facts any more. After the listening
 * connection drops, everything cached is forgotten, since a revocation may have been missed.
 *
 * "Still valid" entries are trusted only while the instance demonstrably hears the channel.
 * PostgreSQL hands every listener the notifications in commit order, and nothing is heard
 * before it was sent, so with W the trust window:
 * - an instance trusts its cache for W after *sending* a heartbeat it heard back (not after
 *   hearing it: an echo that comes back late, after a stall, would stretch the trust);
 * - W after a revocation is committed, every instance still trusting its cache does so on a
 *   heartbeat sent after that commit, so it heard the revocation first. A publication waits
 *   at most that long;
 * - it returns sooner once every peer heard within W of its own echo has acknowledged it:
 *   by that echo it has heard everything committed before, so a peer trusting its cache on
 *   an older heartbeat is among them.
 */
export function createNotifiedRevocationCache(options: NotifiedCacheOptions): RevocationCache {
  const { database, clock, logger, channel } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const self = crypto.randomUUID();
  let memory = createMemoryRevocationCache(clock);
  let nextId = 0;
  /** When this instance sent the latest of its messages that it has heard back */
  let lastEchoedSendMs = Number.NEGATIVE_INFINITY;
  let listening = false;
  let epoch = 0;
  let closed = false;
  const trustWindowMs = heartbeatMs * 3;
  /** Messages awaiting their echo and, for revocations, every live peer's acknowledgement */
  const waiting = new Map<number, Publication>();
  /** Other instances on the channel, by when they were last heard */
  const peers = new Map<string, number>();
  const departed = new Set<string>();

  const listener: NotificationListener = database.openListener!({
    onMessage(_channel, payload) {
      let message: Message;
      try {
        message = JSON.parse(payload);
      } catch {
        return;
      }
      if (departed.has(message.from)) return;
      if (message.leaving) {
        if (message.from !== self) depart(message.from);
        return;
      }
      const nowMs = performance.now();
      if (message.from !== self) peers.set(message.from, nowMs);
      if (message.ack) {
        if (message.ack.to === self) acknowledge(message.ack.id, message.from);
        return;
      }
      if (message.entries) {
        void memory.raise(message.entries);
        // A lost acknowledgement only makes the publisher wait out the trust window
        const ack = { from: self, id: nextId++, ack: { to: message.from, id: message.id } };
        if (message.from !== self) notify(ack).catch(() => {});
      }
      if (message.from === self) heardBack(message.id, nowMs);
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

  function acknowledge(id: number, from: string) {
    const publication = waiting.get(id);
    if (!publication) return;
    publication.acked.add(from);
    if (publication.awaited?.isSubsetOf(publication.acked)) publication.settle();
  }

  /** A peer that shut down trusts no cache any more: nothing waits for it */
  function depart(peer: string) {
    if (departed.size >= DEPARTED_REMEMBERED) departed.clear();
    departed.add(peer);
    peers.delete(peer);
    for (const id of [...waiting.keys()]) acknowledge(id, peer);
  }

  /** Peers heard within the trust window; the others are forgotten until they speak again */
  function livePeers(nowMs: number): Set<string> {
    for (const [peer, seenMs] of peers) if (nowMs - seenMs >= trustWindowMs) peers.delete(peer);
    return new Set(peers.keys());
  }

  function heardBack(id: number, nowMs: number) {
    const publication = waiting.get(id);
    if (!publication) return;
    lastEchoedSendMs = Math.max(lastEchoedSendMs, publication.sentMs);
    publication.awaited = publication.revocation ? livePeers(nowMs) : new Set();
    if (publication.awaited.isSubsetOf(publication.acked)) publication.settle();
  }

  function warnUnacknowledged(publication: Publication) {
    if (!publication.awaited) {
      logger.warn("revocation not heard back on its channel; waited out the trust window instead");
      return;
    }
    const silent = [...publication.awaited].filter((peer) => !publication.acked.has(peer));
    logger.warn("revocation not acknowledged by every instance; waited out the trust window instead", {
      instances: silent.length,
    });
  }

  function notify(message: Message): Promise<void> {
    return listener.notify(channel, JSON.stringify(message));
  }

  /**
   * Broadcasts and waits until this instance heard its own message and every peer heard
   * from lately acknowledged applying it, or until the trust window after the commit has
   * passed: either way no instance answers from the old facts any more.
   */
  async function send(entries?: CacheEntry[]): Promise<void> {
    const id = nextId++;
    let windowOver: ReturnType<typeof setTimeout> | undefined;
    const publication: Publication = {
      sentMs: performance.now(),
      revocation: entries !== undefined,
      acked: new Set(),
      settled: false,
      settle: () => {},
    };
    const settled = new Promise<void>((resolve) => {
      publication.settle = () => {
        publication.settled = true;
        clearTimeout(windowOver);
        waiting.delete(id);
        resolve();
      };
    });
    waiting.set(id, publication);
    try {
      await notify({ from: self, id, ...(entries ? { entries } : {}) });
    } catch (error) {
      publication.settle();
      throw error;
    }
    if (!publication.settled) {
      windowOver = setTimeout(() => {
        if (publication.revocation) warnUnacknowledged(publication);
        publication.settle();
      }, trustWindowMs);
    }
    await settled;
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
      return !closed && listening && performance.now() - lastEchoedSendMs < trustWindowMs;
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
      // From here on no cached "valid" answer is trusted, so peers need not wait for this one
      closed = true;
      clearInterval(heartbeat);
      for (const publication of waiting.values()) publication.settle();
      if (listening) {
        const leaving = notify({ from: self, id: nextId++, leaving: true });
        await withTimeout(leaving, LEAVING_TIMEOUT_MS).catch(() => {});
      }
      await listener.close();
      await memory.close();
    },
  };
}
