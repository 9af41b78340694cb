/**
 * Rewrites a section of bench/README.md from a results file: `deno run -A bench/rerender.ts bench/results/<file>.json`.
 * A scale results file (`scale-<date>.json`) also gets its SVG chart redrawn next to it.
 */
import { REPO_ROOT } from "./lib/paths.ts";
import { updateReadme } from "./lib/report.ts";
import type { BenchResults } from "./lib/results.ts";
import { renderScaleChart, type ScaleResults } from "./lib/scale/results.ts";
import { renderScaleMarkdown, updateScaleReadme } from "./lib/scale/report.ts";

const [file] = Deno.args;
if (!file) throw new Error("Usage: deno run -A bench/rerender.ts bench/results/<file>.json");
const results = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}${file}`));
if ("sizes" in results) {
  const base = file.replace(/\.json$/, "");
  await Deno.writeTextFile(`${REPO_ROOT}${base}.svg`, renderScaleChart(results as ScaleResults));
  const updated = await updateScaleReadme(renderScaleMarkdown(results as ScaleResults, base));
  console.log(
    updated ? "Chart redrawn, bench/README.md scale section updated" : "bench/README.md has no scale markers",
  );
} else {
  const updated = await updateReadme(results as BenchResults, file);
  console.log(updated ? "bench/README.md table updated" : "bench/README.md has no bench markers");
}
