/**
 * A loopback TCP proxy in front of a real server that can slow or stop the traffic of every
 * connection through it, keeping the byte order: a congested or stalled network, on demand.
 */
export interface TcpProxy {
  readonly port: number;
  /** Delivers what the server sends this many milliseconds late (0: at once) */
  delayDownstream(ms: number): void;
  /** Stops passing what clients send until `resumeUpstream` */
  holdUpstream(): void;
  resumeUpstream(): void;
  /**
   * Stops both directions of the connections open now, for good, without closing them: a
   * half-open link. Connections made afterwards pass as usual
   */
  stallOpenConnections(): void;
  /**
   * The network goes silent: every connection, open now or made later, stalls for good (what is
   * sent is swallowed, nothing is closed) until `restore`
   */
  silence(): void;
  /** Resolves once clients have sent `count` chunks through the proxy in all, held ones included */
  clientChunks(count: number): Promise<void>;
  /** Connections made from now on pass again; the ones stalled stay stalled, as after a real partition */
  restore(): void;
  close(): void;
}

function closeQuietly(conn: Deno.Conn) {
  try {
    conn.close();
  } catch {
    // Already closed
  }
}

/**
 * Copies `from` to `to`. Reading never waits for writing, so each chunk's delay counts
 * from when it arrived, not from when the one before it left; `gate` says when it may go.
 */
function pipe(
  from: Deno.Conn,
  to: Deno.Conn,
  gate: (receivedMs: number) => Promise<void>,
  onChunk: () => void = () => {},
) {
  const queue: { chunk: Uint8Array; receivedMs: number }[] = [];
  let ended = false;
  let wake = () => {};
  (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const read = await from.read(buffer);
        if (read === null) break;
        queue.push({ chunk: buffer.slice(0, read), receivedMs: performance.now() });
        onChunk();
        wake();
      }
    } catch {
      // Closed
    }
    ended = true;
    wake();
  })();
  (async () => {
    try {
      while (true) {
        if (queue.length === 0) {
          if (ended) break;
          await new Promise<void>((resolve) => wake = resolve);
          continue;
        }
        const { chunk, receivedMs } = queue.shift()!;
        await gate(receivedMs);
        let written = 0;
        while (written < chunk.length) written += await to.write(chunk.subarray(written));
      }
    } catch {
      // Closed
    }
    closeQuietly(from);
    closeQuietly(to);
  })();
}

export function startTcpProxy(targetPort: number): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections = new Set<Deno.Conn>();
  let downstreamDelayMs = 0;
  let upstreamOpen: Promise<void> = Promise.resolve();
  let openUpstream = () => {};

  const downstreamGate = async (receivedMs: number) => {
    const waitMs = receivedMs + downstreamDelayMs - performance.now();
    // Not a test's sleep: the latency this proxy adds on purpose, on real sockets in real time
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  };
  const never = new Promise<void>(() => {});
  const stalled = new Set<Deno.Conn>();
  let silenced = false;
  let chunksFromClients = 0;
  const chunkWaiters: { count: number; resolve: () => void }[] = [];
  const countClientChunk = () => {
    chunksFromClients++;
    for (const waiter of chunkWaiters.filter((each) => each.count <= chunksFromClients)) {
      chunkWaiters.splice(chunkWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  async function relay(client: Deno.Conn) {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
    } catch {
      // The server is down: the client sees its connection closed, as it would without the proxy
      closeQuietly(client);
      return;
    }
    connections.add(client).add(server);
    if (silenced) stalled.add(client);
    void pipe(client, server, () => stalled.has(client) ? never : upstreamOpen, countClientChunk);
    void pipe(server, client, (receivedMs) => stalled.has(client) ? never : downstreamGate(receivedMs));
  }

  (async () => {
    try {
      for await (const client of listener) void relay(client);
    } catch {
      // Listener closed
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    delayDownstream(ms) {
      downstreamDelayMs = ms;
    },
    holdUpstream() {
      upstreamOpen = new Promise((resolve) => openUpstream = resolve);
    },
    resumeUpstream() {
      openUpstream();
      upstreamOpen = Promise.resolve();
    },
    stallOpenConnections() {
      for (const conn of connections) stalled.add(conn);
    },
    clientChunks(count) {
      if (chunksFromClients >= count) return Promise.resolve();
      return new Promise((resolve) => chunkWaiters.push({ count, resolve }));
    },
    silence() {
      silenced = true;
      this.stallOpenConnections();
    },
    restore() {
      silenced = false;
    },
    close() {
      this.resumeUpstream();
      listener.close();
      for (const conn of connections) closeQuietly(conn);
    },
  };
}
