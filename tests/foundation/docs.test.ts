/**
 * The documentation holds together: every relative link between the README, docs/ and
 * bench/README.md reaches a file (and, with a #fragment, a heading of it), and every variable
 * the configuration schema reads is in the README's configuration table.
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);

async function documents(): Promise<string[]> {
  const files = ["README.md", "bench/README.md"];
  for await (const entry of Deno.readDir(new URL("docs/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/** Markdown without fenced blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, "").replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Every relative link of `file` that leads nowhere, as `file → target`. */
async function brokenLinks(file: string): Promise<string[]> {
  const base = new URL(file, ROOT);
  const text = await Deno.readTextFile(base);
  const broken: string[] = [];
  for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [path, fragment] = target.split("#");
    const url = path ? new URL(path, base) : base;
    if (!await Deno.stat(url).then(() => true, () => false)) {
      broken.push(`${file} → ${target}`);
      continue;
    }
    if (fragment !== undefined && url.pathname.endsWith(".md")) {
      if (!anchors(await Deno.readTextFile(url)).has(fragment)) broken.push(`${file} → ${target} (no such heading)`);
    }
  }
  return broken;
}

Deno.test("docs: the anchor of a heading is GitHub's", () => {
  assertEquals(
    anchorOf("Refresh: rotation, reuse grace, reuse detection"),
    "refresh-rotation-reuse-grace-reuse-detection",
  );
  assertEquals(anchorOf("Key pairs (EdDSA, ES256)"), "key-pairs-eddsa-es256");
  assertEquals(anchorOf("`GET /health` and `/metrics`"), "get-health-and-metrics");
});

Deno.test("docs: every relative link of the README, docs/ and bench/README.md resolves", async () => {
  const files = await documents();
  assert(files.includes("docs/architecture.md"), "docs/ was not read");
  const broken = (await Promise.all(files.map(brokenLinks))).flat();
  assertEquals(broken, []);
});

Deno.test("docs: the README's configuration table names every variable src/config.ts reads", async () => {
  const source = await Deno.readTextFile(new URL("src/config.ts", ROOT));
  const schema = source.match(/^const envSchema = z\.object\(\{\n([\s\S]*?)^\}\)/m)?.[1];
  assert(schema, "src/config.ts has no envSchema object");
  const names = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]);
  assert(names.length > 40, `only ${names.length} variables found in envSchema`);
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0];
  assert(section, "README.md has no Configuration section");
  const rows = section.split("\n").filter((line) => line.startsWith("|"));
  const documented = new Set(rows.flatMap((row) => [...row.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])));
  assertEquals(names.filter((name) => !documented.has(name)), []);
});

Deno.test("docs: the README's endpoints table names every operation of openapi/openapi.json", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const endpoints = readme.slice(
    readme.indexOf("## Endpoints"),
    readme.indexOf("\n## ", readme.indexOf("## Endpoints") + 1),
  );
  const spec = JSON.parse(await Deno.readTextFile(new URL("openapi/openapi.json", ROOT))) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((method) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`)
  );
  assert(operations.length > 0, "the spec has operations");
  assertEquals(operations.filter((operation) => !endpoints.includes(`\`${operation}\``)), []);
});
