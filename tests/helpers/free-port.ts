/**
 * A free loopback port for a throwaway server that tests stop and restart, taken below the
 * kernel's ephemeral range (32768–60999 here). With a port from that range, a client
 * reconnecting while the server is down can be handed that very port as its own source port
 * and connect to itself (TCP self-connect): it then waits forever for answers to its own
 * commands, even after the server is back.
 */
export function freeServicePort(): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      listener.close();
      return port;
    } catch {
      // Taken: try another
    }
  }
  throw new Error("no free port below the ephemeral range");
}
