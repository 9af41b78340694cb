/**
 * Every operation of the spec is named by a test, as `METHOD /path` with its parameters as the
 * spec writes them (`DELETE /auth/sessions/{id}`), so the tests of a route are found by
 * searching for its path.
 */
import { assertEquals } from "../helpers/assert.ts";

const TESTS = new URL("../", import.meta.url);
const SPEC = new URL("../../openapi/openapi.json", import.meta.url);
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** `METHOD /path` of every operation in the committed spec. */
async function specOperations(): Promise<string[]> {
  const spec = JSON.parse(await Deno.readTextFile(SPEC)) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`)
  );
}

/** The names of the tests and steps a test file declares, as written in its source. */
function testNames(source: string): string[] {
  const names: string[] = [];
  const patterns = [
    /Deno\.test\(\s*(["'`])((?:\\.|(?!\1).)*)\1/gs,
    /\bname:\s*(["'`])((?:\\.|(?!\1).)*)\1/gs,
    /\.step\(\s*(["'`])((?:\\.|(?!\1).)*)\1/gs,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) names.push(match[2]);
  return names;
}

async function* testFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* testFiles(url);
    // This file's own examples name routes without testing them
    else if (entry.name.endsWith(".test.ts") && url.href !== import.meta.url) yield url;
  }
}

/** Whether `name` names `operation`, not a longer path that starts with it. */
function names(name: string, operation: string): boolean {
  let at = name.indexOf(operation);
  while (at >= 0) {
    if (!/[\w/{}.-]/.test(name[at + operation.length] ?? "")) return true;
    at = name.indexOf(operation, at + 1);
  }
  return false;
}

Deno.test("every operation in the spec is named `METHOD /path` by at least one test", async () => {
  const allNames: string[] = [];
  for await (const file of testFiles(TESTS)) allNames.push(...testNames(await Deno.readTextFile(file)));
  const unnamed = (await specOperations()).filter((operation) => !allNames.some((name) => names(name, operation)));
  assertEquals(unnamed, [], "operations no test names: name a test that covers each as `METHOD /path: …`");
});

Deno.test("the route-name check reads names of tests and steps and respects path boundaries", () => {
  const source = `Deno.test("POST /auth/signin: wrong password is 401", () => {});
    Deno.test({ name: \`GET /auth/sessions/{id} for \${x}\`, fn() {} });
    await t.step('DELETE /auth/me: gone', () => {});`;
  assertEquals(testNames(source), [
    "POST /auth/signin: wrong password is 401",
    "GET /auth/sessions/{id} for ${x}",
    "DELETE /auth/me: gone",
  ]);
  assertEquals(names("GET /auth/sessions/{id} for x", "GET /auth/sessions"), false);
  assertEquals(names("GET /auth/sessions and more", "GET /auth/sessions"), true);
  assertEquals(names("POST /auth/signin-other", "POST /auth/signin"), false);
});
