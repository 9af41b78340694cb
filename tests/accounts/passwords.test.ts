import { createPasswordHasher, type PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import { postJson } from "../helpers/http.ts";
import { SaturatedError, WorkLimiter } from "../../src/services/accounts/work-limiter.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { startSmtpPeer } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp } from "./_helpers.ts";
import { uniqueEmail, verifiedAccount } from "../helpers/accounts.ts";
import { AppError } from "../../src/errors.ts";

const database = await createTestDatabase();
const smtp = await startSmtpPeer();

Deno.test.afterAll(async () => {
  await smtp.close();
  await database.close();
});

async function signupStatus(app: AccountsApp, password: string): Promise<[number, string]> {
  const response = await postJson(app, "/auth/signup", { email: uniqueEmail("len"), password });
  return [response.status, await response.text()];
}

/** `length` characters from `alphabet`, drawn at random: long, and no pattern the policy refuses. */
function randomOf(alphabet: string, length: number): string {
  const letters = [...alphabet];
  return Array.from(crypto.getRandomValues(new Uint32Array(length)), (n) => letters[n % letters.length]).join("");
}
const ASCII = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Letters of two UTF-8 bytes each, already in NFKC form */
const TWO_BYTES = "éèêëàâäôöûüçñßøå";

Deno.test("a password of exactly 72 UTF-8 bytes is accepted and one byte more is a clear 422, ASCII and multi-byte", async () => {
  const app = await accountsApp(database, smtp);
  try {
    assertEquals((await signupStatus(app, randomOf(ASCII, 72)))[0], 201);
    assertEquals((await signupStatus(app, randomOf(TWO_BYTES, 36)))[0], 201, "36 × 2 bytes");
    for (const password of ["a".repeat(73), "é".repeat(37), "🔑".repeat(19), randomOf(ASCII, 71) + "é"]) {
      const [status, body] = await signupStatus(app, password);
      assertEquals(status, 422, `${password.length} characters`);
      assertStringIncludes(body, "72 bytes");
      assertStringIncludes(body, '"path":"password"');
    }
  } finally {
    await app.close();
  }
});

Deno.test("two passwords that share their first 72 bytes never both verify", async () => {
  const app = await accountsApp(database, smtp);
  try {
    for (const password of [randomOf(ASCII, 72), randomOf(TWO_BYTES, 36)]) {
      const email = (await verifiedAccount(app, { label: "pw", password: password })).email;
      assertEquals((await postJson(app, "/auth/signin", { email, password })).status, 200);
      for (const longer of [password + "x", password + "ß", password + password.slice(0, 10)]) {
        const response = await postJson(app, "/auth/signin", { email, password: longer });
        assertEquals(response.status, 401, `${new TextEncoder().encode(longer).length} bytes`);
      }
    }
    const hasher = createPasswordHasher({ cost: 4 });
    const hash = await hasher.hash("q".repeat(72));
    assertEquals(await hasher.verify("q".repeat(72), hash), true);
    assertEquals(await hasher.verify("q".repeat(80), hash), false, "bcrypt alone would say true");
  } finally {
    await app.close();
  }
});

Deno.test("a 1 MB password is refused quickly, before any hashing", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const started = performance.now();
    const [status] = await signupStatus(app, "x".repeat(1_048_576));
    assert(status === 413 || status === 422, String(status));
    assert(performance.now() - started < 2000, "refused within a generous bound");
    const signin = await postJson(app, "/auth/signin", { email: uniqueEmail("big"), password: "x".repeat(1_048_576) });
    assertEquals(signin.status, 413);
  } finally {
    await app.close();
  }
});

Deno.test("passwords of 8 and 64 characters are accepted; 7 and 129 characters are refused", async () => {
  const app = await accountsApp(database, smtp);
  try {
    // Eight characters with no pattern in them: the fewest the strength estimate accepts
    assertEquals((await signupStatus(app, "zq7Vw2xK"))[0], 201);
    const sixtyFour = "Tr0ub4dor&3-".repeat(6).slice(0, 64);
    const email = (await verifiedAccount(app, { label: "pw", password: sixtyFour })).email;
    assertEquals((await postJson(app, "/auth/signin", { email, password: sixtyFour })).status, 200);
    assertEquals((await signupStatus(app, "1234567"))[0], 422);
    assertEquals((await signupStatus(app, "a".repeat(129)))[0], 422);
  } finally {
    await app.close();
  }
});

Deno.test("signin with an unknown address still runs one bcrypt verification", async () => {
  const real = createPasswordHasher({ cost: 4 });
  const calls: Array<string | undefined> = [];
  const counting: PasswordHasher = {
    hash: (password) => real.hash(password),
    verify: (password, hash) => real.verify(password, hash),
    check(password, hash) {
      calls.push(hash);
      return real.check(password, hash);
    },
  };
  const app = await accountsApp(database, smtp, { passwords: counting });
  try {
    assertEquals(
      (await postJson(app, "/auth/signin", { email: uniqueEmail("ghost"), password: "whatever1" })).status,
      401,
    );
    assertEquals(calls, [undefined]);
  } finally {
    await app.close();
  }
});

Deno.test("the dummy verification of an unknown address takes a bcrypt slot like a real one", async () => {
  const hasher = createPasswordHasher({ cost: 10, concurrency: 1, maxQueue: 0 });
  const busy = hasher.hash("occupies the only slot");
  const error = await assertRejects(() => hasher.verify("whatever1", undefined), AppError);
  assertEquals(error.code, "service_unavailable");
  await busy;
  assertEquals(await hasher.verify("whatever1", undefined), false);
});

Deno.test("a sign-in flood beyond the bcrypt queue gets fast 503s with Retry-After while cheap routes answer", async () => {
  const passwords = createPasswordHasher({ cost: 10, concurrency: 1, maxQueue: 2 });
  const app = await accountsApp(database, smtp, { passwords });
  try {
    const email = uniqueEmail("flood");
    await postJson(app, "/auth/signup", { email, password: "the real password" });
    let floodDone = 0;
    const flood = Promise.all(
      Array.from(
        { length: 12 },
        () =>
          postJson(app, "/auth/signin", { email, password: "a wrong password" }).then((response) => {
            floodDone = performance.now();
            return response;
          }),
      ),
    );
    const live = await app.request("/health/live");
    const liveDone = performance.now();
    assertEquals(live.status, 200);
    const responses = await flood;
    assert(liveDone < floodDone, "the liveness probe did not wait for the flood");
    const refused = responses.filter((r) => r.status === 503);
    assert(refused.length >= 6, `only ${refused.length} of 12 refused`);
    assertEquals(responses.filter((r) => r.status !== 503).map((r) => r.status), Array(12 - refused.length).fill(401));
    for (const response of refused) {
      assertEquals(response.headers.get("Retry-After"), "2");
      assertEquals((await response.json()).code, "service_unavailable");
    }
    for (const response of responses) if (!response.bodyUsed) await response.text();
  } finally {
    await app.close();
  }
});

Deno.test("WorkLimiter runs at most `concurrency` tasks, queues up to `maxQueue` and refuses the rest", async () => {
  const limiter = new WorkLimiter(2, 1);
  let running = 0;
  let peak = 0;
  const releases: Array<() => void> = [];
  const task = () =>
    new Promise<void>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      releases.push(() => {
        running--;
        resolve();
      });
    });
  const first = limiter.run(task);
  const second = limiter.run(task);
  const queued = limiter.run(task);
  await assertRejects(() => limiter.run(task), SaturatedError);
  assertEquals(limiter.load, 3);
  releases.shift()!();
  await first;
  // Not a sleep: one turn, so the queued task's start (a promise chain) runs
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(running, 2, "the queued task took the freed slot");
  while (releases.length) releases.shift()!();
  await Promise.all([second, queued]);
  assertEquals([peak, limiter.load], [2, 0]);
});
