/**
 * Lets at most `size` tasks run at once; the others wait their turn. The ceilings put it in
 * front of postgres.js for the same reason the service does (src/db/postgres-pool.ts): the
 * driver slows down while more queries wait than the pool has connections.
 */
export function createGate(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function gated<T>(task: () => Promise<T>): Promise<T> {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** A required setting of a ceiling server. */
export function setting(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** A JSON answer, as small as the route's work allows. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
