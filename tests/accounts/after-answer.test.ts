import { createAfterAnswer } from "../../src/services/accounts/after-answer.ts";
import { AppError } from "../../src/errors.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { memoryLogger } from "../helpers/app.ts";

/** A task that runs until released. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, task: () => opened };
}

Deno.test("after-answer: defer resolves before the task runs; settled waits for every task queued", async () => {
  const afterAnswer = createAfterAnswer({ logger: memoryLogger(), concurrency: 1 });
  const done: number[] = [];
  const first = gate();
  await afterAnswer.defer("resend-email-verification-otp", async () => {
    await first.task();
    done.push(1);
  });
  await afterAnswer.defer("request-password-reset", () => {
    done.push(2);
    return Promise.resolve();
  });
  assertEquals(done, [], "nothing has run when defer resolves");
  let settled = false;
  const waiting = afterAnswer.settled().then(() => settled = true);
  // Not a wait: one turn, so every promise chain that could settle it has run
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(settled, false);
  first.open();
  await waiting;
  assertEquals(done, [1, 2], "one at a time, in order");
});

Deno.test("after-answer: a full queue refuses with 429 and Retry-After before accepting; a failing task is logged", async () => {
  const logger = memoryLogger();
  const afterAnswer = createAfterAnswer({ logger, concurrency: 1, maxWaiting: 2 });
  const blocker = gate();
  await afterAnswer.defer("change-email", blocker.task);
  await afterAnswer.defer("request-password-reset", () => Promise.reject(new Error("boom")));
  await afterAnswer.defer("change-email", () => Promise.resolve());
  const refused = await afterAnswer.defer("resend-email-verification-otp", () => Promise.resolve()).catch((error) =>
    error
  );
  assert(refused instanceof AppError);
  assertEquals([refused.status, refused.code, refused.headers["Retry-After"]], [429, "rate_limited", "2"]);
  blocker.open();
  await afterAnswer.settled();
  const failures = logger.lines.filter((line) => line.message === "after-answer task failed");
  assertEquals(failures.map((line) => line.task), ["request-password-reset"]);
});
