/** Rewrites the README's Benchmarks table from a results file: `deno run -A bench/rerender.ts bench/results/<file>.json`. */
import { REPO_ROOT } from "./lib/paths.ts";
import { updateReadme } from "./lib/report.ts";
import type { BenchResults } from "./lib/results.ts";

const [file] = Deno.args;
if (!file) throw new Error("Usage: deno run -A bench/rerender.ts bench/results/<file>.json");
const results = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}${file}`)) as BenchResults;
console.log(await updateReadme(results, file) ? "README table updated" : "README has no bench markers");
