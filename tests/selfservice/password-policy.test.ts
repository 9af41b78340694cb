import { join } from "node:path";
import { postJson } from "../helpers/http.ts";
import { ConfigError } from "../../src/config.ts";
import { buildPwnedFile } from "../../src/cli/pwned-build.ts";
import {
  createPasswordPolicy,
  openConfiguredPwnedFile,
} from "../../src/services/accounts/credentials/password-policy.ts";
import { openPwnedFile } from "../../src/services/accounts/credentials/pwned-file.ts";
import { hex } from "../../src/encoding.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { memoryLogger, testConfig } from "../helpers/app.ts";
import { mailWithSubject, tokenIn } from "./_helpers.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../helpers/assert.ts";
import { AppError } from "../../src/errors.ts";
import { PRODUCTION_ENV } from "../helpers/env.ts";

const { database, smtp } = await accountsBackends();
const dir = await Deno.makeTempDir({ prefix: "pwned-" });
Deno.test.afterAll(() => Deno.remove(dir, { recursive: true }));

/** Known-breached passwords in the fixture that are in no common list. */
const KNOWN = ["Zebra-Quilt-Harbor-91", "tangerine orbit 4471", "Wq9!vLm2#Rt"];

async function sha1Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)))).toUpperCase();
}

function randomPassword(): string {
  return hex(crypto.getRandomValues(new Uint8Array(12)));
}

/** A source in the download's format (HEXSHA1:COUNT), unsorted, of 10,000 digests with KNOWN among them. */
async function writeSource(path: string, sorted: boolean): Promise<string[]> {
  const lines = await Promise.all(
    [...KNOWN, ...Array.from({ length: 10_000 - KNOWN.length }, randomPassword)].map(async (password, i) =>
      `${await sha1Hex(password)}:${i + 1}`
    ),
  );
  if (sorted) lines.sort();
  await Deno.writeTextFile(path, lines.join("\r\n") + "\r\n");
  return lines;
}

Deno.test("pwned file: built from 10,000 digests, lookups find every one and nothing else", async () => {
  const source = join(dir, "source.txt");
  const lines = await writeSource(source, false);
  const out = join(dir, "pwned.bin");
  assertEquals(await buildPwnedFile(source, out), { count: 10_000, bits: 6 });
  const file = await openPwnedFile(out);
  try {
    assertEquals(file.count, 10_000);
    for (const password of KNOWN) assert(await file.contains(password), `${password} is a hit`);
    for (const line of lines.slice(0, 2_000)) {
      const digest = Uint8Array.from(line.slice(0, 40).match(/../g)!.map((byte) => parseInt(byte, 16)));
      assert(await file.containsDigest(digest), `${line} is a hit`);
    }
    for (let i = 0; i < 2_000; i++) assert(!await file.contains(randomPassword()), "a random password is a miss");
    assert(!await file.contains("zebra-quilt-harbor-91"), "SHA-1 is case-sensitive");
  } finally {
    await file.close();
  }
  // The builder sorts an unsorted source bucket by bucket: the same bytes as from a sorted one
  const sortedSource = join(dir, "sorted.txt");
  await Deno.writeTextFile(sortedSource, [...lines].sort().join("\n"));
  const sortedOut = join(dir, "sorted.bin");
  await buildPwnedFile(sortedSource, sortedOut);
  assertEquals(await Deno.readFile(sortedOut), await Deno.readFile(out));
});

Deno.test("pwned file: a missing, foreign or truncated file is refused with one sentence", async () => {
  assertStringIncludes((await assertRejects(() => openPwnedFile(join(dir, "absent.bin")))).message, "no such file");
  const foreign = join(dir, "foreign.bin");
  await Deno.writeTextFile(foreign, "0123456789ABCDEF0123456789ABCDEF01234567:3\n".repeat(4));
  assertStringIncludes((await assertRejects(() => openPwnedFile(foreign))).message, "not a file built by");
  const source = join(dir, "small.txt");
  await writeSource(source, true);
  const truncated = join(dir, "truncated.bin");
  await buildPwnedFile(source, truncated);
  const bytes = await Deno.readFile(truncated);
  await Deno.writeFile(truncated, bytes.subarray(0, bytes.length - 20));
  assertStringIncludes((await assertRejects(() => openPwnedFile(truncated))).message, "size does not match");
});

Deno.test("production refuses a configured PWNED_PASSWORDS_FILE it cannot use; development warns and runs", async () => {
  const missing = join(dir, "missing.bin");
  const production = testConfig({
    ...PRODUCTION_ENV,
    APP_URL: "https://api.example.com",
    PWNED_PASSWORDS_FILE: missing,
  });
  const error = await assertRejects(() => openConfiguredPwnedFile(production, memoryLogger()), ConfigError);
  assertEquals(error.problems, [
    `PWNED_PASSWORDS_FILE ${missing}: no such file (build it with deno task pwned:build SRC OUT)`,
  ]);
  const logger = memoryLogger();
  assertEquals(await openConfiguredPwnedFile(testConfig({ PWNED_PASSWORDS_FILE: missing }), logger), undefined);
  assert(logger.lines.some((line) => String(line.msg ?? line.message).includes("PWNED_PASSWORDS_FILE")));
});

Deno.test("the production server exits with one config error line for a missing PWNED_PASSWORDS_FILE", async () => {
  const missing = join(dir, "nowhere.bin");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: {
      ...PRODUCTION_ENV,
      JWT_SECRET: "a".repeat(40),
      JWT_REFRESH_SECRET: "b".repeat(40),
      APP_URL: "https://api.example.com",
      PWNED_PASSWORDS_FILE: missing,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 1);
  const lines = new TextDecoder().decode(output.stderr).trim().split("\n").filter((line) => line.includes("error"));
  assertEquals(lines, [
    `config error: PWNED_PASSWORDS_FILE ${missing}: no such file (build it with deno task pwned:build SRC OUT)`,
  ]);
});

Deno.test("the policy refuses password1, Password123 and the address's local part, naming the field", async () => {
  const policy = createPasswordPolicy();
  const email = "robin.hood@example.com";
  const cases: [string, string][] = [
    ["password1", "password_breached"],
    ["Password123", "password_breached"],
    ["robin.hood", "password_too_similar"],
    ["Robin.Hood-2026!", "password_too_similar"],
    [email, "password_too_similar"],
  ];
  for (const [password, code] of cases) {
    const error = await assertRejects(() => policy.check(password, email, "new_password"), AppError);
    assertEquals(error.code, code, password);
    assertEquals(error.errors?.[0].path, "new_password");
  }
  await policy.check("correct horse battery", email, "password");
  // A short local part is refused only as the whole password
  await policy.check("alcove pinwheel ab", "ab@example.com", "password");
});

Deno.test("sign-up applies the policy, the breached file included (422 on the field)", async () => {
  const source = join(dir, "app-source.txt");
  await writeSource(source, false);
  const file = join(dir, "app.bin");
  await buildPwnedFile(source, file);
  const app = await accountsApp(database, smtp, { env: { PWNED_PASSWORDS_FILE: file } });
  try {
    const email = uniqueEmail("policy");
    for (const [password, code] of [["password1", "password_breached"], [KNOWN[0], "password_breached"]]) {
      const response = await postJson(app, "/auth/signup", { email, password });
      assertEquals(response.status, 422);
      const body = await response.json();
      assertEquals([body.code, body.errors[0].path], [code, "password"]);
    }
    const local = email.split("@")[0];
    const similar = await postJson(app, "/auth/signup", { email, password: `${local}!` });
    assertEquals((await similar.json()).code, "password_too_similar");
    assertEquals((await postJson(app, "/auth/signup", { email, password: "a fine long passphrase" })).status, 201);
  } finally {
    await app.close();
  }
});

Deno.test("reset-password applies the policy before using the token: a refused password leaves the link working", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "reset-policy" });
    assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    const token = tokenIn(await mailWithSubject(app, smtp, email, "Reset your Jessy AI password"), "reset");
    const refused = await postJson(app, "/auth/reset-password", { token, new_password: "Password123" });
    assertEquals(refused.status, 422);
    const body = await refused.json();
    assertEquals([body.code, body.errors[0].path], ["password_breached", "new_password"]);
    const done = await postJson(app, "/auth/reset-password", { token, new_password: "a sturdier passphrase" });
    assertEquals(done.status, 200);
    await done.body?.cancel();
  } finally {
    await app.close();
  }
});
