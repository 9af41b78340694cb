/**
 * The SDK generated from openapi/openapi.json drives the JSON side of both passkey ceremonies
 * against a live server: its types check with the client code, and every answer is validated
 * against the spec. The authenticator is the tests' software one (real keys and signatures).
 */
import type {} from "npm:typescript@5.9.3";
import openapiTS, { astToString } from "npm:openapi-typescript@7.13.0";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { validatingFetch } from "../helpers/validating-fetch.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { ORIGIN } from "../passkeys/_helpers.ts";
import { SoftAuthenticator } from "../passkeys/soft-authenticator.ts";

const ROOT = new URL("../../", import.meta.url);
const TESTS_LOCK = new URL("tests/deno.lock", ROOT).pathname;

async function generateSdk(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "jessy-passkey-sdk-" });
  await Deno.writeTextFile(`${dir}/schema.d.ts`, astToString(await openapiTS(new URL("openapi/openapi.json", ROOT))));
  await Deno.copyFile(new URL("fixtures/passkey-flow.ts.template", import.meta.url), `${dir}/client.ts`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "check",
      "--quiet",
      "--config",
      new URL("deno.json", ROOT).pathname,
      "--lock",
      TESTS_LOCK,
      `${dir}/client.ts`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, `deno check failed:\n${new TextDecoder().decode(output.stderr)}`);
  return dir;
}

Deno.test({
  name:
    "generated client: POST /auth/passkeys/registration/options → registration → GET /auth/passkeys → POST /auth/passkeys/signin/options → POST /auth/passkeys/signin, typed and validated",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await generateSdk();
    const sandbox = await startSandbox();
    const validated = validatingFetch(globalThis.fetch, developmentSpecValidator());
    try {
      const db = sandbox.app.deps.database.db;
      const user = await insertedUser(db, "sdk-passkey", { passwords: sandbox.app.deps.passwords, verified: true });
      const { access_token } = await newSession(sandbox.app, user);
      const key = new SoftAuthenticator({ synced: true });
      const sdk = await import(new URL(`file://${dir}/client.ts`).href);
      const report = await sdk.passkeyFlow(sandbox.url, validated.fetch, access_token, {
        create: (options: unknown) => key.create(options, { origin: ORIGIN }),
        get: (options: unknown) => key.get(options, { origin: ORIGIN }),
      });
      assertEquals([report.registered.name, report.registered.backup_state], ["SDK key", "synced"]);
      assertEquals(report.listed.length, 1);
      assertEquals(claimsOf(report.signedIn.access_token).amr, ["swk", "user"]);
      assertEquals(claimsOf(report.signedIn.access_token).sub, user.id);
      assertEquals([report.replayed.status, report.replayed.code], [401, "invalid_passkey"]);
      for (
        const expected of [
          "POST /auth/passkeys/registration/options → 200",
          "POST /auth/passkeys/registration → 201",
          "GET /auth/passkeys → 200",
          "POST /auth/passkeys/signin/options → 200",
          "POST /auth/passkeys/signin → 200",
          "POST /auth/passkeys/signin → 401",
        ]
      ) assert(validated.seen.includes(expected), `validated ${expected}`);
    } finally {
      await sandbox.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
