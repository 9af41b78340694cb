/**
 * What `deno task dev`, `start`, `migrate` and the image fetch: the packages the service
 * imports, and nothing the tests alone need. With `nodeModulesDir: "auto"`, `deno task` and
 * `deno run` install every package of deno.json's `imports` and every package deno.lock holds;
 * so both name the service's packages only, and the test tools are imported by full `npm:`
 * specifiers and pinned in tests/deno.lock, the lock `deno task test` and `check` run with.
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);

interface Lockfile {
  specifiers: Record<string, string>;
  npm: Record<string, unknown>;
}

const config: { imports: Record<string, string>; tasks: Record<string, string> } = JSON.parse(
  await Deno.readTextFile(new URL("deno.json", ROOT)),
);
const serviceLock: Lockfile = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT)));
const testsLock: Lockfile = JSON.parse(await Deno.readTextFile(new URL("tests/deno.lock", ROOT)));

/** `npm:name@version[/path]` or `npm:/name@version/` → `npm:name@version`, as a lock's specifiers name it. */
function packageRequest(target: string): string {
  const match = target.match(/^npm:\/?((?:@[^/]+\/)?[^/@]+@[^/]+)/);
  if (!match) throw new Error(`not an npm specifier: ${target}`);
  return `npm:${match[1]}`;
}

/** Every import specifier of the .ts files under `dir`, with the file that imports it. */
async function importsUnder(dir: URL): Promise<{ file: string; specifier: string }[]> {
  const found: { file: string; specifier: string }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) found.push(...await importsUnder(url));
    else if (entry.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(url);
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)) {
        found.push({ file: url.href.slice(ROOT.href.length), specifier: match[1] });
      }
    }
  }
  return found;
}

Deno.test("deno.json: every import is one src/ uses, so deno task dev installs nothing else", async () => {
  const used = (await importsUnder(new URL("src/", ROOT))).map(({ specifier }) => specifier);
  const unused = Object.keys(config.imports).filter((key) =>
    !used.some((specifier) => key.endsWith("/") ? specifier.startsWith(key) : specifier === key)
  );
  assertEquals(unused, [], "imports no module of src/ uses: import them by full npm: specifier where they are used");
  const inline = (await importsUnder(new URL("src/", ROOT))).filter(({ specifier }) =>
    /^(npm|jsr|https?):/.test(specifier)
  );
  assertEquals(
    inline,
    [],
    "src/ imports its packages through deno.json; no-import-prefix is off only so tests/ can name its tools in full",
  );
});

Deno.test("deno.lock pins exactly the service's imports; tests/deno.lock pins them and the test tools", () => {
  const service = [...new Set(Object.values(config.imports).map(packageRequest))].sort();
  assertEquals(
    Object.keys(serviceLock.specifiers).sort(),
    service,
    "deno.lock is installed by deno task dev and the image: run `deno install` after changing deno.json's imports " +
      "(a test run without --lock=tests/deno.lock adds its packages there)",
  );
  for (const request of service) assert(request in testsLock.specifiers, `tests/deno.lock pins ${request}`);
});

Deno.test("test tools are imported at one version each and pinned in tests/deno.lock", async () => {
  const versions = new Map<string, Set<string>>();
  for (const dir of ["tests/", "bench/"]) {
    for (const { specifier } of await importsUnder(new URL(dir, ROOT))) {
      if (!specifier.startsWith("npm:")) continue;
      const request = packageRequest(specifier);
      const name = request.slice(0, request.lastIndexOf("@"));
      versions.set(name, (versions.get(name) ?? new Set()).add(request));
      assert(request in testsLock.specifiers, `tests/deno.lock pins ${request}: run deno task check`);
    }
  }
  const split = [...versions].filter(([, requests]) => requests.size > 1).map(([, requests]) => [...requests]);
  assertEquals(split, [], "one version per package across tests/ and bench/");
  assert(versions.size >= 8, `found the test tools (${[...versions.keys()]})`);
});

Deno.test("deno task test and check run with tests/deno.lock", () => {
  for (const task of ["test", "check"]) {
    assert(config.tasks[task].includes("--lock=tests/deno.lock"), `deno task ${task}: ${config.tasks[task]}`);
  }
});
