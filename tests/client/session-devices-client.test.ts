/**
 * The generated SDKs meet the sessions of a settings page: openapi-typescript + openapi-fetch list
 * the sessions with their `device` against a live server, name one and end the others; the
 * @hey-api/openapi-ts SDK generated from the same file type-checks code doing the same.
 */
// The TypeScript both generators load as their peer (see generated-client.test.ts)
import type {} from "npm:typescript@5.9.3";
import openapiTS, { astToString } from "npm:openapi-typescript@7.13.0";
import { createClient as heyApiGenerate } from "npm:@hey-api/openapi-ts@0.99.0";
import { assert, assertEquals } from "../helpers/assert.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { validatingFetch } from "../helpers/validating-fetch.ts";

const ROOT = new URL("../../", import.meta.url);
const SPEC = new URL("openapi/openapi.json", ROOT);
const FIXTURES = new URL("fixtures/", import.meta.url);
const TESTS_LOCK = new URL("tests/deno.lock", ROOT).pathname;

const LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 " +
  "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

interface SessionLine {
  id: string;
  title: string;
  device: { browser: string | null; os: string | null; type: string | null; label: string };
  method: string;
  aal: number;
  known: boolean | null;
  current: boolean;
}
interface DevicesModule {
  devicesFlow(baseUrl: string, fetch: typeof globalThis.fetch, account: Record<string, string>): Promise<{
    before: SessionLine[];
    renamed: { id: string; name: string | null };
    after: SessionLine[];
    endedOthers: number;
    left: SessionLine[];
  }>;
}

async function denoCheck(file: string, ...flags: string[]): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", ...flags, "--config", new URL("deno.json", ROOT).pathname, "--lock", TESTS_LOCK, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert(output.success, `deno check failed:\n${text}`);
}

Deno.test({
  name: "generated client: openapi-fetch lists sessions with their device (GET /auth/sessions), renames one " +
    "(PATCH /auth/sessions/{id}) and ends the others (DELETE /auth/sessions?except=current)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "jessy-sdk-devices-" });
    const sandbox = await startSandbox();
    const validated = validatingFetch(globalThis.fetch, developmentSpecValidator());
    try {
      await Deno.writeTextFile(`${dir}/schema.d.ts`, astToString(await openapiTS(SPEC)));
      await Deno.copyFile(new URL("session-devices.ts.template", FIXTURES), `${dir}/client.ts`);
      await denoCheck(`${dir}/client.ts`);
      const sdk: DevicesModule = await import(new URL(`file://${dir}/client.ts`).href);

      const { db } = sandbox.app.database;
      const user = await insertedUser(db, "sdk-devices", { passwords: sandbox.app.deps.passwords, verified: true });
      const report = await sdk.devicesFlow(sandbox.url, validated.fetch, {
        email: user.email,
        password: PASSWORD,
        laptop: LAPTOP,
        phone: PHONE,
      });

      const titles = (lines: SessionLine[]) => lines.map((line) => [line.title, line.method, line.aal, line.known]);
      assertEquals(titles(report.before), [["Safari on iOS", "password", 1, true], [
        "Firefox on Windows",
        "password",
        1,
        false,
      ]]);
      assertEquals(report.before[1].device, {
        browser: "Firefox",
        os: "Windows",
        type: "desktop",
        label: "Firefox on Windows",
      });
      assertEquals([report.renamed.id, report.renamed.name], [report.before[1].id, "Work laptop"]);
      assertEquals(report.after.map((line) => line.title), ["Safari on iOS", "Work laptop"]);
      assertEquals(report.endedOthers, 1);
      assertEquals(report.left.map((line) => [line.title, line.current]), [["Safari on iOS", true]]);
      for (const expected of ["PATCH /auth/sessions/", "DELETE /auth/sessions → 204"]) {
        assert(validated.seen.some((seen) => seen.startsWith(expected)), `validated ${expected}`);
      }
    } finally {
      await sandbox.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("generated client: @hey-api/openapi-ts types sessions with `device` and code renaming one type-checks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jessy-hey-api-devices-" });
  try {
    await heyApiGenerate({
      input: SPEC.pathname,
      output: { path: dir },
      plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
      logs: { level: "silent", file: false },
    });
    await Deno.copyFile(new URL("hey-api-sessions.ts.template", FIXTURES), `${dir}/settings-page.ts`);
    await denoCheck(`${dir}/settings-page.ts`, "--unstable-sloppy-imports");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
