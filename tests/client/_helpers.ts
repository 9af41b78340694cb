/** What the client tests share: the committed spec, and `deno check` of generated SDKs with client code. */
import { assert } from "../helpers/assert.ts";

export const ROOT = new URL("../../", import.meta.url);
/** The committed contract the generators read */
export const SPEC = new URL("openapi/openapi.json", ROOT);
/** The tests' lock: deno.lock pins the service's packages alone */
export const TESTS_LOCK = new URL("tests/deno.lock", ROOT).pathname;

/** A client-code template of tests/client/fixtures/. */
export function fixture(name: string): URL {
  return new URL(`fixtures/${name}`, import.meta.url);
}

/** `deno check` of `files` with the project's config and the tests' lock; fails the test with the compiler's output. */
export async function denoCheck(...files: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, "--lock", TESTS_LOCK, ...files],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert(output.success, `deno check failed:\n${text}`);
  return text;
}
