import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { createDeadline, TimeoutError, withTimeout } from "../../src/timeout.ts";

const never = () => new Promise<never>(() => {});

/** A call that answers `value` once `clock` has moved `ms`. */
const after = <T>(clock: ManualClock, ms: number, value: T) =>
  new Promise<T>((resolve) => clock.setTimeout(() => resolve(value), ms));

/** Records when (on `clock`) `promise` settles; `at` stays undefined while it is pending. */
function watch(clock: ManualClock, promise: Promise<unknown>) {
  const seen: { at?: number } = {};
  promise.then(() => seen.at = clock.monotonicMs(), () => seen.at = clock.monotonicMs());
  return seen;
}

Deno.test("withTimeout passes a prompt answer through and rejects a late one after exactly its time", async () => {
  const clock = new ManualClock();
  const prompt = withTimeout(after(clock, 5, "ok"), 200, "The call", clock);
  await clock.tick(5);
  assertEquals(await prompt, "ok");
  assertEquals(clock.pendingTimers, 0, "the timer of an answered call is cleared");

  const late = withTimeout(never(), 30, "The store", clock);
  const seen = watch(clock, late);
  await clock.tick(29, 1);
  assertEquals(seen.at, undefined, "still waiting 1 ms before the deadline");
  await clock.tick(1);
  const error = await assertRejects(() => late, TimeoutError);
  assertEquals(error.message, "The store did not answer within 30 ms");
});

Deno.test("withTimeout runs on the system clock by default, as db/ uses it", async () => {
  // 1 ms of real time: the default is what this checks, so no clock can stand in for it
  await assertRejects(() => withTimeout(never(), 1), TimeoutError);
});

Deno.test("a deadline lets prompt calls through with their value or their error", async () => {
  const clock = new ManualClock();
  const within = createDeadline(200, "The cache", clock);
  const prompt = within(after(clock, 5, 1));
  await clock.tick(5);
  assertEquals(await prompt, 1);
  await assertRejects(() => within(Promise.reject(new RangeError("refused"))), RangeError);
});

Deno.test("a deadline rejects each call that outlives it, even while later calls are prompt", async () => {
  const clock = new ManualClock();
  const within = createDeadline(40, "The cache", clock);
  const slow = within(never());
  const seen = watch(clock, slow);
  const prompt = [within(after(clock, 1, "a")), within(after(clock, 2, "b"))];
  await clock.tick(2, 1);
  assertEquals(await Promise.all(prompt), ["a", "b"]);
  await clock.tick(37, 1);
  assertEquals(seen.at, undefined, "not before its time");
  await clock.tick(40 * 0.25, 1);
  const error = await assertRejects(() => slow, TimeoutError);
  assertEquals(error.message, "The cache did not answer within 40 ms");
  assert(seen.at! >= 40 && seen.at! <= 40 * 1.25, `expired after ${seen.at} ms`);
  // A call after an expiry gets its own full deadline
  const inTime = within(after(clock, 39, "late but in time"));
  await clock.tick(39, 1);
  assertEquals(await inTime, "late but in time");
});

Deno.test("a deadline stops its sweep timer once nothing is pending", async () => {
  const clock = new ManualClock();
  const within = createDeadline(20, "The cache", clock);
  const prompt = within(after(clock, 1, null));
  await clock.tick(1);
  await prompt;
  assertEquals(clock.pendingTimers, 0, "no sweep after the last call answered");
  const hung = within(never());
  const seen = watch(clock, hung);
  assertEquals(clock.pendingTimers, 1, "one sweep timer while a call is pending");
  await clock.tick(25, 1);
  assert(seen.at !== undefined, "expired");
  await assertRejects(() => hung, TimeoutError);
  assertEquals(clock.pendingTimers, 0, "no sweep after the last call expired");
});

Deno.test("a deadline expires every hung call on time, however answered calls interleave with them", async () => {
  const clock = new ManualClock();
  const within = createDeadline(40, "The store", clock);
  const calls = Array.from({ length: 30 }, (_, i) => i % 3 === 0 ? within(never()) : within(after(clock, 1, i)));
  const seen = calls.map((call) => watch(clock, call));
  await clock.tick(40 * 1.25, 1);
  const outcomes = await Promise.allSettled(calls);
  const expired = outcomes.filter((outcome) => outcome.status === "rejected");
  assertEquals(expired.length, 10);
  for (const outcome of expired) assert((outcome as PromiseRejectedResult).reason instanceof TimeoutError);
  const last = Math.max(...seen.map((each) => each.at!));
  assert(last >= 40 && last <= 40 * 1.25, `the last hung call expired after ${last} ms`);
});
