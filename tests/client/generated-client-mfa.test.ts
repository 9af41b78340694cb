/**
 * The second factor through the SDKs client teams generate from openapi/openapi.json, both
 * generators: openapi-typescript (with openapi-fetch) and @hey-api/openapi-ts. Each generates at
 * test time into a temporary directory, `deno check` type-checks the generated code with client
 * code that narrows the sign-in answer on `mfa_required` (and must fail to read a token off a
 * challenge), and that code drives enrol → activate → sign-in → verify against a live server.
 * Every response it receives is validated against the spec.
 */
// The TypeScript both generators load as their peer (see generated-client.test.ts)
import type {} from "npm:typescript@5.9.3";
import openapiTS, { astToString } from "npm:openapi-typescript@7.13.0";
import { createClient as heyApiGenerate } from "npm:@hey-api/openapi-ts@0.99.0";
import { ManualClock } from "../../src/clock.ts";
import { currentTotpCode, TOTP_PERIOD_SECONDS } from "../../src/services/mfa/totp.ts";
import { claimsOf } from "../helpers/claims.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { validatingFetch } from "../helpers/validating-fetch.ts";
import { denoCheck, fixture, SPEC } from "./_helpers.ts";

interface MfaFlowReport {
  enrolment: { secret: string; otpauth_uri: string; qr_svg: string; expires_in: number };
  recoveryCodes: string[];
  challenge: { mfa_required: true; mfa_token: string; methods: string[]; expires_in: number };
  wrongCode: { status: number; code: string };
  pair: { access_token: string; refresh_token: string; token_type: string };
  status: { enabled: boolean; methods: string[]; recovery_codes_left: number };
}
interface MfaSdk {
  mfaFlow(
    baseUrl: string,
    fetch: typeof globalThis.fetch,
    account: { email: string; password: string },
    authenticator: (secret: string) => Promise<string>,
  ): Promise<MfaFlowReport>;
}

/** Writes a generator's output into a new directory, with the client code next to it; returns the file to run. */
type Generate = (dir: string) => Promise<string>;

const GENERATORS: Record<string, Generate> = {
  "openapi-typescript + openapi-fetch": async (dir) => {
    await Deno.writeTextFile(`${dir}/schema.d.ts`, astToString(await openapiTS(SPEC)));
    await Deno.copyFile(fixture("sdk-mfa-flow.ts.template"), `${dir}/client.ts`);
    return `${dir}/client.ts`;
  },
  "@hey-api/openapi-ts": async (dir) => {
    await heyApiGenerate({
      input: SPEC.pathname,
      // Relative imports with their extension, as Deno (and TypeScript's nodenext) resolve them
      output: { path: dir, importFileExtension: ".ts" },
      plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
      logs: { level: "silent", file: false },
    });
    await Deno.copyFile(fixture("hey-api-mfa-flow.ts.template"), `${dir}/mfa-flow.ts`);
    return `${dir}/mfa-flow.ts`;
  },
};

for (const [generator, generate] of Object.entries(GENERATORS)) {
  Deno.test({
    name:
      `generated client (${generator}): POST /auth/mfa/totp → POST /auth/mfa/totp/activate → POST /auth/signin (narrowed to mfa_required) → POST /auth/mfa/verify against a live server`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "jessy-mfa-sdk-" });
      // The server's clock, so the phone's next code is one step away rather than up to 30 s
      const clock = new ManualClock(new Date());
      const sandbox = await startSandbox({}, { clock });
      const validated = validatingFetch(globalThis.fetch, developmentSpecValidator());
      try {
        const client = await generate(dir);
        await denoCheck(client);
        const sdk: MfaSdk = await import(new URL(`file://${client}`).href);
        const user = await insertedUser(sandbox.app.database.db, "sdk-mfa", {
          passwords: sandbox.app.deps.passwords,
          verified: true,
        });
        // The authenticator app: each code it is asked for is read off a new 30-second step, as a user who types
        // one code after another waits for the next
        const authenticator = (secret: string) => {
          clock.advance(TOTP_PERIOD_SECONDS * 1000);
          return Promise.resolve(currentTotpCode(secret, clock.now()));
        };

        const report = await sdk.mfaFlow(
          sandbox.url,
          validated.fetch,
          { email: user.email, password: PASSWORD },
          authenticator,
        );

        assertMatch(report.enrolment.otpauth_uri, /^otpauth:\/\/totp\//);
        assertEquals(report.recoveryCodes.length, 10);
        assertEquals([report.challenge.mfa_required, report.challenge.expires_in], [true, 300]);
        assert(!("access_token" in report.challenge) && !("refresh_token" in report.challenge), "no token yet");
        assertEquals([report.wrongCode.status, report.wrongCode.code], [400, "invalid_mfa_code"]);
        assertEquals(report.pair.token_type, "Bearer");
        const claims = claimsOf(report.pair.access_token);
        assertEquals([claims.amr, claims.aal], [["pwd", "otp"], 2]);
        assertEquals([report.status.enabled, report.status.recovery_codes_left], [true, 10]);
        for (
          const call of [
            "POST /auth/mfa/totp → 200",
            "POST /auth/mfa/totp/activate → 200",
            "POST /auth/signin → 200",
            "POST /auth/mfa/verify → 400",
            "POST /auth/mfa/verify → 200",
            "GET /auth/mfa → 200",
          ]
        ) {
          assert(validated.seen.includes(call), `validated ${call}`);
        }
      } finally {
        await sandbox.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
