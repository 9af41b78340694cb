import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { createDeadline, TimeoutError, withTimeout } from "../../src/timeout.ts";

const never = () => new Promise<never>(() => {});
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

Deno.test("withTimeout passes a prompt answer through and rejects a late one", async () => {
  assertEquals(await withTimeout(after(5, "ok"), 200), "ok");
  const error = await assertRejects(() => withTimeout(never(), 30, "The store"), TimeoutError);
  assertEquals(error.message, "The store did not answer within 30 ms");
});

Deno.test("a deadline lets prompt calls through with their value or their error", async () => {
  const within = createDeadline(200, "The cache");
  assertEquals(await within(after(5, 1)), 1);
  await assertRejects(() => within(Promise.reject(new RangeError("refused"))), RangeError);
});

Deno.test("a deadline rejects each call that outlives it, even while later calls are prompt", async () => {
  const within = createDeadline(40, "The cache");
  const started = performance.now();
  const slow = within(never());
  const prompt = [within(after(1, "a")), within(after(2, "b"))];
  assertEquals(await Promise.all(prompt), ["a", "b"]);
  const error = await assertRejects(() => slow, TimeoutError);
  const waited = performance.now() - started;
  assertEquals(error.message, "The cache did not answer within 40 ms");
  assert(waited >= 38 && waited < 40 * 1.25 + 40, `expired after ${waited} ms`);
  // A call after an expiry gets its own full deadline
  assertEquals(await within(after(20, "late but in time")), "late but in time");
});

Deno.test("a deadline stops its sweep timer once nothing is pending", async () => {
  const within = createDeadline(20, "The cache");
  await within(after(1, null));
  await assertRejects(() => within(never()), TimeoutError);
  // Deno's leak check fails this test if the sweep interval were still armed
});

Deno.test("a deadline expires every hung call on time, however answered calls interleave with them", async () => {
  const within = createDeadline(40, "The store");
  const started = performance.now();
  const calls = Array.from({ length: 30 }, (_, i) => i % 3 === 0 ? within(never()) : within(after(1, i)));
  const outcomes = await Promise.allSettled(calls);
  const waited = performance.now() - started;
  const expired = outcomes.filter((outcome) => outcome.status === "rejected");
  assertEquals(expired.length, 10);
  for (const outcome of expired) assert((outcome as PromiseRejectedResult).reason instanceof TimeoutError);
  assert(waited < 40 * 1.25 + 40, `the last hung call expired after ${waited} ms`);
});
