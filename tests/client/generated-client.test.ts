/**
 * The SDK a client team generates from openapi/openapi.json, proven against a live server:
 * openapi-typescript + openapi-fetch generate at test time into a temporary directory (nothing
 * generated is committed), `deno check` type-checks the generated types with client code that
 * uses them, and that code drives every account flow and one problem of each kind. Every
 * response it receives is validated against the spec. @hey-api/openapi-ts must generate from
 * the same file too.
 */
// The TypeScript both generators load as their peer: without this pin Deno hands both the newest
// release @hey-api/openapi-ts accepts (7.x), outside openapi-typescript's ^5.x
import type {} from "npm:typescript@5.9.3";
import openapiTS, { astToString } from "npm:openapi-typescript@7.13.0";
import { createClient as heyApiGenerate } from "npm:@hey-api/openapi-ts@0.99.0";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { validatingFetch } from "../helpers/validating-fetch.ts";
import { denoCheck, fixture, ROOT, SPEC, TESTS_LOCK } from "./_helpers.ts";

const TEMPLATE = fixture("sdk-flow.ts.template");

interface ProblemBody {
  code: string;
  status: number;
  request_id: string;
  errors?: Array<{ path: string; message: string }>;
  retry_after?: number;
}
interface SdkModule {
  accountFlow(baseUrl: string, fetch: typeof globalThis.fetch, account: Record<string, string>): Promise<{
    signedUp: string;
    verified: boolean;
    user: { email: string; email_verified: boolean; name: string | null };
    sessions: Array<{ current: boolean }>;
    sessionsNextCursor: string | null;
    firstPair: { access_token: string; refresh_token: string; token_type: string };
    rotatedPair: { access_token: string; refresh_token: string; token_type: string };
    afterLogout: ProblemBody;
  }>;
  adminFlow(baseUrl: string, fetch: typeof globalThis.fetch, apiKey: string, account: Record<string, string>): Promise<{
    found: Array<{ email: string; status: string }>;
    disabled: { status: string };
    signInWhileDisabled: ProblemBody;
    enabled: { status: string };
    signInAfter: number;
  }>;
  problemCases(baseUrl: string, fetch: typeof globalThis.fetch): Promise<{
    validation: { status: number; problem: ProblemBody };
    unauthorized: { status: number; problem: ProblemBody };
    rateLimited: { status: number; problem: ProblemBody; retryAfter: string | null };
  }>;
  settingsFlow(baseUrl: string, fetch: typeof globalThis.fetch, account: Record<string, string>): Promise<{
    changedPair: { token_type: string };
    oldPairAfterChange: ProblemBody;
    signedInWithNewPassword: boolean;
    deletion: { deletion_due_at: string };
    afterDeletion: ProblemBody;
    kept: { account_kept: boolean };
    signedInAfterCancel: boolean;
  }>;
}

/** Generates the openapi-typescript SDK and the client code next to it; returns the directory. */
async function generateSdk(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "jessy-sdk-" });
  const ast = await openapiTS(SPEC);
  await Deno.writeTextFile(`${dir}/schema.d.ts`, astToString(ast));
  await Deno.copyFile(TEMPLATE, `${dir}/client.ts`);
  return dir;
}

Deno.test({
  name: "generated client: openapi-typescript + openapi-fetch type-check and drive every flow against a live server",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await generateSdk();
    const sandbox = await startSandbox();
    const validated = validatingFetch(globalThis.fetch, developmentSpecValidator());
    let signedUp: { email: string; password: string } | undefined;
    try {
      await t.step("the generated types and the client code pass deno check", async () => {
        const schema = await Deno.readTextFile(`${dir}/schema.d.ts`);
        for (
          const id of [
            "signUp",
            "verifyEmail",
            "signIn",
            "refreshTokens",
            "getCurrentUser",
            "listSessions",
            "adminListUsers",
            "adminDisableUser",
            "adminEnableUser",
            "changePassword",
            "deleteAccount",
            "cancelAccountDeletion",
          ]
        ) {
          assert(schema.includes(`${id}: {`), `operation ${id} in the generated types`);
        }
        await denoCheck(`${dir}/client.ts`);
      });
      const sdk: SdkModule = await import(new URL(`file://${dir}/client.ts`).href);

      await t.step("signup → outbox code → verify → signin → me → sessions → refresh → logout", async () => {
        const email = `sdk-${crypto.randomUUID()}@example.com`;
        const report = await sdk.accountFlow(sandbox.url, validated.fetch, {
          email,
          password: "correct horse battery staple",
          name: "Ada",
        });
        assertEquals(report.signedUp, email);
        assertEquals(report.verified, true);
        assertEquals([report.user.email, report.user.email_verified, report.user.name], [email, true, "Ada"]);
        assertEquals(report.sessions.map((session) => session.current), [true]);
        assertEquals(report.sessionsNextCursor, null, "one session fits the first page");
        assertEquals(report.firstPair.token_type, "Bearer");
        assert(report.rotatedPair.refresh_token !== report.firstPair.refresh_token, "refresh rotates the token");
        assertEquals([report.afterLogout.status, report.afterLogout.code], [401, "invalid_token"]);
        signedUp = { email, password: "correct horse battery staple" };
      });

      await t.step("with an admin API key: list by address → disable → enable", async () => {
        const { key } = await sandbox.app.deps.adminKeys.create({ name: "sdk", scopes: ["users:read", "users:write"] });
        const report = await sdk.adminFlow(sandbox.url, validated.fetch, key, signedUp!);
        assertEquals(report.found.map((user) => [user.email, user.status]), [[signedUp!.email, "active"]]);
        assertEquals(report.disabled.status, "disabled");
        assertEquals([report.signInWhileDisabled.status, report.signInWhileDisabled.code], [403, "account_disabled"]);
        assertEquals(report.enabled.status, "active");
        assertEquals(report.signInAfter, 200);
      });

      await t.step(
        "change-password → new pair; delete-account → 401; cancel with the mailed token → signed in",
        async () => {
          const report = await sdk.settingsFlow(sandbox.url, validated.fetch, {
            email: `sdk-settings-${crypto.randomUUID()}@example.com`,
            password: "correct horse battery staple",
            newPassword: "a brand new passphrase",
          });
          assertEquals(report.changedPair.token_type, "Bearer");
          assertEquals([report.oldPairAfterChange.status, report.oldPairAfterChange.code], [401, "invalid_token"]);
          assertEquals(report.signedInWithNewPassword, true);
          assertMatch(report.deletion.deletion_due_at, /^\d{4}-\d\d-\d\dT/);
          assertEquals([report.afterDeletion.status, report.afterDeletion.code], [401, "invalid_token"]);
          assertEquals(report.kept.account_kept, true);
          assertEquals(report.signedInAfterCancel, true);
        },
      );

      await t.step("422, 401 and 429 arrive as typed problems", async () => {
        const { validation, unauthorized, rateLimited } = await sdk.problemCases(sandbox.url, validated.fetch);
        assertEquals([validation.status, validation.problem.code], [422, "validation_failed"]);
        assertEquals(validation.problem.errors?.map((error) => error.path).sort(), ["email", "password"]);
        assertEquals([unauthorized.status, unauthorized.problem.code], [401, "invalid_token"]);
        assertEquals([rateLimited.status, rateLimited.problem.code], [429, "rate_limited"]);
        assertMatch(rateLimited.retryAfter ?? "", /^[1-9]\d*$/);
        for (const problem of [validation.problem, unauthorized.problem, rateLimited.problem]) {
          assertMatch(problem.request_id, /\S/);
        }
      });

      await t.step("every response the client received matched the spec", () => {
        for (const expected of ["POST /auth/signup → 201", "GET /dev/outbox → 200", "POST /auth/verify-email → 200"]) {
          assert(validated.seen.includes(expected), `validated ${expected}`);
        }
        for (
          const expected of [
            "POST /auth/logout → 204",
            "GET /auth/me → 401",
            "GET /security-test → 429",
            "GET /admin/users → 200",
            "POST /auth/signin → 403",
            "POST /auth/change-password → 200",
            "POST /auth/delete-account → 202",
            "POST /auth/cancel-account-deletion → 200",
          ]
        ) {
          assert(validated.seen.includes(expected), `validated ${expected}`);
        }
        for (
          const expected of [
            /^POST \/admin\/users\/[^/]+\/disable → 200$/,
            /^POST \/admin\/users\/[^/]+\/enable → 200$/,
          ]
        ) {
          assert(validated.seen.some((line) => expected.test(line)), `validated ${expected}`);
        }
      });
    } finally {
      await sandbox.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("generated client: @hey-api/openapi-ts generates a fetch SDK from the same file that passes deno check", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jessy-hey-api-" });
  try {
    await heyApiGenerate({
      input: SPEC.pathname,
      output: { path: dir },
      plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
      logs: { level: "silent", file: false },
    });
    const sdk = await Deno.readTextFile(`${dir}/sdk.gen.ts`);
    const types = await Deno.readTextFile(`${dir}/types.gen.ts`);
    for (const id of ["signUp", "verifyEmail", "signIn", "refreshTokens", "getCurrentUser", "listSessions"]) {
      assert(sdk.includes(`export const ${id} =`), `${id} in the generated SDK`);
    }
    // A numbered type means two names collided (a schema named like an operation's response)
    assertEquals([...types.matchAll(/export type (\w+?\d+) =/g)].map((match) => match[1]), []);
    // The generator writes extensionless relative imports, as bundlers resolve them
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "check",
        "--quiet",
        "--unstable-sloppy-imports",
        "--config",
        new URL("deno.json", ROOT).pathname,
        "--lock",
        TESTS_LOCK,
        `${dir}/index.ts`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(output.success, `deno check failed:\n${new TextDecoder().decode(output.stderr)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
