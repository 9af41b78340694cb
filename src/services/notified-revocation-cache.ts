import type { Clock } from "../clock.ts";
import type { Database, NotificationListener } from "../db/database.ts";
import { describeError, type Logger } from "../logger.ts";
import { withTimeout } from "../timeout.ts";
import { type ChannelMessage, entriesInMessages, parseChannelMessage } from "./notified-messages.ts";
import { type Publication, startPublication } from "./publication.ts";
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

/** How long a closing instance tries to say it is leaving before it just goes */
const LEAVING_TIMEOUT_MS = 1000;
/** Departed instances remembered, so that a straggling heartbeat does not bring one back */
const DEPARTED_REMEMBERED = 1000;
/** Two processes' timers may disagree by a hair: a window is waited out a little past its end */
const WINDOW_MARGIN_MS = 20;

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
 * - it returns sooner once every peer heard within W of its own echo has acknowledged it,
 *   provided it has listened for W by then: it has heard every heartbeat that can still
 *   vouch for a peer's cache, so a peer trusting its cache is among those it waits for.
 * An instance that shuts down stops trusting its cache, then says so: nobody waits for it.
 */
export function createNotifiedRevocationCache(options: NotifiedCacheOptions): RevocationCache {
  const { database, clock, logger, channel } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const trustWindowMs = heartbeatMs * 3;
  const self = crypto.randomUUID();
  let memory = createMemoryRevocationCache(clock);
  let nextId = 0;
  /** When this instance sent the latest of its messages that it has heard back */
  let lastEchoedSendMs = Number.NEGATIVE_INFINITY;
  let connecting = false;
  /** When the current LISTEN was confirmed; infinitely far off while not listening */
  let listeningSinceMs = Number.POSITIVE_INFINITY;
  const listening = () => listeningSinceMs !== Number.POSITIVE_INFINITY;
  /** When this instance last heard one of its own messages come back */
  let lastEchoHeardMs = Number.NEGATIVE_INFINITY;
  let epoch = 0;
  /** Shutting down: no cached "valid" answer is trusted any more */
  let leaving = false;
  /** Shut down: nothing is sent any more */
  let closed = false;
  /** This instance's messages on their way round the channel */
  const waiting = new Map<number, Publication>();
  /** Other instances on the channel, by when they were last heard */
  const peers = new Map<string, number>();
  const departed = new Set<string>();

  const listener: NotificationListener = database.openListener!({
    onMessage(_channel, payload) {
      const message = parseChannelMessage(payload);
      if (message) receive(message, performance.now());
    },
    onClose() {
      if (!closed) stopListening();
    },
  });

  /** Messages sent while nobody listened are gone: start again from Postgres once listening */
  function stopListening() {
    listeningSinceMs = Number.POSITIVE_INFINITY;
    forget();
  }

  function receive(message: ChannelMessage, nowMs: number) {
    // A revocation is applied whoever sent it, even an instance that has left since
    if (message.entries) void memory.raise(message.entries);
    if (message.from === self) return heardBack(message.id, nowMs);
    if (departed.has(message.from)) return;
    if (message.leaving) return depart(message.from);
    peers.set(message.from, nowMs);
    if (message.ack) {
      if (message.ack.to === self) acknowledge(message.ack.id, message.from);
    } else if (message.entries) {
      // A lost acknowledgement only makes the publisher wait out the trust window
      notify({ from: self, id: nextId++, ack: { to: message.from, id: message.id } }).catch(() => {});
    }
  }

  /** Messages sent while nobody listened are gone: start again from Postgres */
  function forget() {
    epoch++;
    void memory.close();
    memory = createMemoryRevocationCache(clock);
  }

  /** A peer that shut down trusts no cache any more: nothing waits for it */
  function depart(peer: string) {
    if (departed.size >= DEPARTED_REMEMBERED) departed.clear();
    departed.add(peer);
    peers.delete(peer);
    for (const id of [...waiting.keys()]) acknowledge(id, peer);
  }

  function acknowledge(id: number, from: string) {
    const publication = waiting.get(id);
    if (!publication) return;
    publication.acked.add(from);
    if (publication.awaited?.isSubsetOf(publication.acked)) publication.settle();
  }

  /** Peers heard within the trust window; the others are forgotten until they speak again */
  function livePeers(nowMs: number): Set<string> {
    for (const [peer, seenMs] of peers) if (nowMs - seenMs >= trustWindowMs) peers.delete(peer);
    return new Set(peers.keys());
  }

  function heardBack(id: number, nowMs: number) {
    const publication = waiting.get(id);
    if (!publication) return;
    publication.echoed = true;
    lastEchoedSendMs = Math.max(lastEchoedSendMs, publication.sentMs);
    lastEchoHeardMs = nowMs;
    if (!publication.revocation) return publication.settle();
    // Listening for less than a window, it may have missed the heartbeat of a peer that still
    // trusts its cache: only the window itself settles the publication then
    if (nowMs - listeningSinceMs < trustWindowMs) return;
    publication.awaited = livePeers(nowMs);
    if (publication.awaited.isSubsetOf(publication.acked)) publication.settle();
  }

  function windowOver(publication: Publication) {
    if (publication.revocation && !publication.echoed) {
      logger.warn("revocation not heard back on its channel; waited out the trust window instead");
    } else if (publication.awaited) {
      const silent = [...publication.awaited].filter((peer) => !publication.acked.has(peer));
      logger.warn("revocation not acknowledged by every instance; waited out the trust window instead", {
        instances: silent.length,
      });
    }
    publication.settle();
  }

  function notify(message: ChannelMessage, through: "listener" | "pool" = "listener"): Promise<void> {
    return listener.notify(channel, JSON.stringify(message), through);
  }

  /**
   * A revocation's NOTIFY goes over the listening connection first and, should that stall
   * or fail, through the pool. It is retried for a window before its request hears it
   * failed, and no attempt outlives that window.
   */
  async function notifyPersistently(message: ChannelMessage): Promise<void> {
    const giveUpAtMs = performance.now() + trustWindowMs;
    try {
      return await withTimeout(notify(message), trustWindowMs / 2, "The NOTIFY");
    } catch {
      // The pool is a separate way to the same server
    }
    for (let pauseMs = 50;; pauseMs *= 2) {
      try {
        const leftMs = Math.max(1, giveUpAtMs - performance.now());
        return await withTimeout(notify(message, "pool"), leftMs, "The NOTIFY");
      } catch (error) {
        if (closed || performance.now() + pauseMs > giveUpAtMs) throw error;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  }

  /**
   * Broadcasts and waits until this instance heard its own message and every peer heard
   * from lately acknowledged applying it, or until the trust window after the commit has
   * passed: either way no instance answers from the old facts any more.
   */
  async function send(entries?: CacheEntry[]): Promise<void> {
    if (closed) throw new Error("the revocation channel is closed");
    const id = nextId++;
    const publication = startPublication(entries !== undefined, () => waiting.delete(id));
    waiting.set(id, publication);
    const message = { from: self, id, ...(entries ? { entries } : {}) };
    try {
      await (entries ? notifyPersistently(message) : withTimeout(notify(message), trustWindowMs, "The heartbeat"));
    } catch (error) {
      publication.settle();
      throw error;
    }
    // Committed by now: past the window nobody trusts a cache that has not applied it
    publication.settleAfter(trustWindowMs + WINDOW_MARGIN_MS, () => windowOver(publication));
    await publication.settled;
  }

  /**
   * A connection can stall without closing (a half-open socket, a stuck backend): when none
   * of this instance's heartbeats has come back for two windows, it is replaced. Trust has
   * lapsed long before; this only brings the cache back into use.
   */
  function replaceIfStalled(nowMs: number) {
    if (!listening() || nowMs - Math.max(lastEchoHeardMs, listeningSinceMs) <= 2 * trustWindowMs) return;
    logger.warn("revocation channel stopped answering; reconnecting");
    stopListening();
    listener.reopen();
  }

  async function keepListening() {
    if (leaving) return;
    const nowMs = performance.now();
    livePeers(nowMs);
    replaceIfStalled(nowMs);
    if (!listening()) {
      if (connecting) return;
      connecting = true;
      try {
        await listener.listen(channel);
        if (leaving) return;
        // Anything cached while not listening may have missed a revocation
        forget();
        listeningSinceMs = performance.now();
      } catch (error) {
        logger.debug("revocation channel not listening yet", { error: describeError(error) });
        return;
      } finally {
        connecting = false;
      }
    }
    await send().catch(() => {});
  }

  const heartbeat = setInterval(keepListening, heartbeatMs);
  void keepListening();

  async function close() {
    // From here on no cached "valid" answer is trusted, so peers need not wait for this one
    leaving = true;
    clearInterval(heartbeat);
    const publications = [...waiting.values()];
    for (const publication of publications) if (!publication.revocation) publication.settle();
    // Revocations still on their way hold up the requests that made them: let them finish
    const revocations = publications.filter((publication) => publication.revocation);
    await withTimeout(Promise.all(revocations.map((publication) => publication.settled)), 2 * trustWindowMs)
      .catch(() => {});
    closed = true;
    if (listening()) {
      const leaving = notify({ from: self, id: nextId++, leaving: true });
      await withTimeout(leaving, LEAVING_TIMEOUT_MS).catch(() => {});
    }
    await listener.close();
    await memory.close();
  }

  return {
    kind: "memory",
    get shared() {
      return !leaving && listening() && performance.now() - lastEchoedSendMs < trustWindowMs;
    },
    get epoch() {
      return epoch;
    },
    read: (keys) => memory.read(keys),
    async raise(entries, raiseOptions) {
      if (!raiseOptions?.publish && raiseOptions?.epoch !== undefined && raiseOptions.epoch !== epoch) return;
      await memory.raise(entries);
      if (raiseOptions?.publish) await Promise.all(entriesInMessages(entries).map((group) => send(group)));
    },
    close,
  };
}
