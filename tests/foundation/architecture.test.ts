/**
 * The layers of src/ point one way, as the layer diagram of docs/architecture.md draws them. Read from the
 * module graph Deno itself resolves (`deno info --json`), so a type-only import counts too.
 */
import { assert, assertEquals } from "../helpers/assert.ts";

/** Top to bottom: a module may import its own layer or one below it, never one above. */
const LAYERS: readonly { name: string; owns: (path: string) => boolean }[] = [
  { name: "composition", owns: (p) => ["main.ts", "app.ts", "runtime.ts"].includes(p) || p.startsWith("cli/") },
  { name: "routes", owns: (p) => p.startsWith("routes/") },
  { name: "http", owns: (p) => p.startsWith("http/") },
  { name: "deps", owns: (p) => p === "deps.ts" },
  { name: "metrics", owns: (p) => p.startsWith("metrics/") },
  { name: "services", owns: (p) => p.startsWith("services/") },
  { name: "mail", owns: (p) => p.startsWith("mail/") },
  { name: "webhooks", owns: (p) => p.startsWith("webhooks/") },
  { name: "delivery", owns: (p) => p.startsWith("delivery/") },
  { name: "ratelimit", owns: (p) => p.startsWith("ratelimit/") },
  { name: "redis", owns: (p) => p.startsWith("redis/") },
  { name: "repositories", owns: (p) => p.startsWith("repositories/") },
  { name: "db", owns: (p) => p.startsWith("db/") },
  { name: "shared", owns: (p) => !p.includes("/") },
];

/** Layers that must not know they are served over HTTP. */
const BELOW_THE_WEB = [
  "deps",
  "metrics",
  "services",
  "mail",
  "webhooks",
  "delivery",
  "ratelimit",
  "redis",
  "repositories",
  "db",
  "shared",
];
const WEB_PACKAGES = /^(hono|@hono\/)/;

const SRC = new URL("../../src/", import.meta.url).href;

interface ModuleInfo {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier: string }; type?: { specifier: string } }[];
}

async function moduleGraph(): Promise<Map<string, { local: string[]; packages: string[] }>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/main.ts"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  const { modules } = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: ModuleInfo[] };
  const graph = new Map<string, { local: string[]; packages: string[] }>();
  for (const module of modules) {
    if (!module.specifier.startsWith(SRC)) continue;
    const local: string[] = [];
    const packages: string[] = [];
    for (const dependency of module.dependencies ?? []) {
      const resolved = dependency.code?.specifier ?? dependency.type?.specifier ?? dependency.specifier;
      if (resolved.startsWith(SRC)) local.push(resolved.slice(SRC.length));
      else packages.push(dependency.specifier);
    }
    graph.set(module.specifier.slice(SRC.length), { local, packages });
  }
  return graph;
}

function layerOf(path: string): number {
  const index = LAYERS.findIndex((layer) => layer.owns(path));
  if (index < 0) throw new Error(`no layer owns src/${path}`);
  return index;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, { local: string[] }>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  function visit(node: string) {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.local ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.local.includes(node)) found.push(component.sort());
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

Deno.test("architecture: every module of src/ imports only its own layer or the layers below it", async () => {
  const graph = await moduleGraph();
  assert(graph.size > 100, `the graph reached only ${graph.size} modules from src/main.ts`);
  const upward: string[] = [];
  for (const [from, { local }] of graph) {
    for (const to of local) {
      if (layerOf(to) < layerOf(from)) {
        upward.push(`${from} (${LAYERS[layerOf(from)].name}) → ${to} (${LAYERS[layerOf(to)].name})`);
      }
    }
  }
  assertEquals(upward, []);
});

Deno.test("architecture: services and everything below them know nothing of Hono", async () => {
  const graph = await moduleGraph();
  const offending: string[] = [];
  for (const [from, { packages }] of graph) {
    if (!BELOW_THE_WEB.includes(LAYERS[layerOf(from)].name)) continue;
    for (const name of packages) if (WEB_PACKAGES.test(name)) offending.push(`${from} → ${name}`);
  }
  assertEquals(offending, []);
});

Deno.test("architecture: no import cycle in src/", async () => {
  assertEquals(cycles(await moduleGraph()), []);
});

Deno.test("architecture: routes reach the data only through services, and metrics/ not at all (no repositories/ or db/ import)", async () => {
  const offending: string[] = [];
  for (const [from, { local }] of await moduleGraph()) {
    if (!from.startsWith("routes/") && !from.startsWith("metrics/")) continue;
    for (const to of local) if (/^(repositories|db)\//.test(to)) offending.push(`${from} → ${to}`);
  }
  assertEquals(offending, []);
});

/** The graph with each folder of services/ drawn as one node (a file directly under services/ stays its own). */
function servicesFolders(graph: Map<string, { local: string[] }>): Map<string, { local: string[] }> {
  const folderOf = (path: string) => path.split("/").slice(0, 2).join("/");
  const folders = new Map<string, { local: string[] }>();
  for (const [from, { local }] of graph) {
    if (!from.startsWith("services/")) continue;
    const node = folders.get(folderOf(from)) ?? { local: [] };
    for (const to of local) {
      if (to.startsWith("services/") && folderOf(to) !== folderOf(from)) node.local.push(folderOf(to));
    }
    folders.set(folderOf(from), node);
  }
  return folders;
}

Deno.test("architecture: the folders of services/ import each other one way (sessions uses revocation, never back)", async () => {
  assertEquals(cycles(servicesFolders(await moduleGraph())), []);
});

Deno.test("architecture: the cycle finder and the layer rule would catch a violation", () => {
  const graph = new Map([
    ["services/a.ts", { local: ["services/b.ts"] }],
    ["services/b.ts", { local: ["http/c.ts"] }],
    ["http/c.ts", { local: ["services/a.ts"] }],
  ]);
  assertEquals(cycles(graph), [["http/c.ts", "services/a.ts", "services/b.ts"]]);
  assert(layerOf("http/c.ts") < layerOf("services/b.ts"), "services → http is upward");
});

Deno.test("architecture: the layer diagram of docs/architecture.md lists the layers in this order", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/architecture.md", import.meta.url));
  const block = doc.split("<!-- layers -->")[1];
  assert(block, "docs/architecture.md has no <!-- layers --> block");
  const drawn = [...block.split("```")[1].matchAll(/^(\S+)/gm)].map((match) => match[1]);
  assertEquals(drawn, LAYERS.map((layer) => layer.name));
});

Deno.test("architecture: only src/metrics/ imports prom-client; the rest reports through the Observer port", async () => {
  const graph = await moduleGraph();
  const offending: string[] = [];
  for (const [from, { packages }] of graph) {
    if (from.startsWith("metrics/")) continue;
    for (const name of packages) if (/^(npm:)?prom-client/.test(name)) offending.push(`${from} → ${name}`);
  }
  assertEquals(offending, []);
  assert([...graph.keys()].some((path) => path.startsWith("metrics/")), "src/metrics/ is not reached from main.ts");
});
