import { createSlidingWindow } from "../../bench/ceilings/sliding-window.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";
import { databaseFlag, parseArgs } from "../../bench/lib/args.ts";
import type { Comparison } from "../../bench/lib/compare.ts";
import { renderMarkdown } from "../../bench/lib/report.ts";
import type { BenchResults } from "../../bench/lib/results.ts";
import { median, summarize } from "../../bench/lib/stats.ts";
import { judge } from "../../bench/lib/targets.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "../helpers/assert.ts";

function comparison(ours: number, ceiling: number, failures = 0): Comparison {
  const side = (rps: number, failed: number) => ({
    rps: summarize([rps]),
    p50Ms: 1,
    p99Ms: 2,
    failures: failed,
    requests: rps * 10,
    cpuMicrosPerRequest: 1_000_000 / rps,
  });
  return { ours: side(ours, failures), ceiling: side(ceiling, 0), ratio: ours / ceiling };
}

function results(partial: Partial<BenchResults>): Omit<BenchResults, "targets"> {
  return {
    date: "2026-11-27T00:00:00.000Z",
    quick: false,
    machine: { cpu: "test", cores: 2, os: "Linux", deno: "2", wrk: "wrk", postgres: "15", redis: "7" },
    settings: { repetitions: 3, durationSeconds: 10, warmupSeconds: 3, bcryptCost: 12 },
    comparisons: {},
    ...partial,
  };
}

function verdict(targets: ReturnType<typeof judge>, label: string) {
  return targets.find((target) => target.label.startsWith(label))?.pass;
}

Deno.test("median of an even count is the mean of the middle two, and spread is range over median", () => {
  assertEquals(median([4, 1, 3, 2]), 2.5);
  const summary = summarize([90, 100, 110]);
  assertEquals(summary.median, 100);
  assertEquals(summary.spread, 0.2);
});

Deno.test("--quick means one repetition of 3 s and a 10 s soak, and leaves bench/README.md alone", () => {
  const settings = parseArgs(["--quick"]);
  assertEquals([settings.repetitions, settings.durationSeconds, settings.warmupSeconds, settings.soakSeconds], [
    1,
    3,
    1,
    10,
  ]);
  assertEquals(settings.updateReadme, false);
  const full = parseArgs([]);
  assertEquals(
    [full.repetitions, full.durationSeconds, full.warmupSeconds, full.soakSeconds, full.bcryptCost],
    [5, 10, 10, 60, 12],
  );
  assertEquals(full.updateReadme, true);
});

Deno.test("a ratio target passes at its threshold and fails below it", () => {
  const targets = judge(
    results({ comparisons: { "me-memory": comparison(700, 1000), refresh: comparison(690, 1000) } }),
  );
  assertEquals(verdict(targets, "/auth/me (memory store)"), true);
  assertEquals(verdict(targets, "/auth/refresh"), false);
  assertEquals(verdict(targets, "/auth/me (Redis store)"), null);
});

Deno.test("metrics on must keep at least 95% of the token-check ratio with metrics off", () => {
  const within = judge(
    results({ comparisons: { "me-memory": comparison(800, 1000), "me-memory-metrics": comparison(760, 1000) } }),
  );
  assertEquals(verdict(within, "/auth/me ratio, metrics on vs off"), true);
  const beyond = judge(
    results({ comparisons: { "me-memory": comparison(800, 1000), "me-memory-metrics": comparison(750, 1000) } }),
  );
  assertEquals(verdict(beyond, "/auth/me ratio, metrics on vs off"), false);
  assertEquals(verdict(judge(results({})), "/auth/me ratio, metrics on vs off"), null);
});

Deno.test("a fast scenario fails its target when more than 1% of its requests failed", () => {
  const targets = judge(results({ comparisons: { "me-memory": comparison(900, 1000, 500) } }));
  assertEquals(verdict(targets, "/auth/me (memory store)"), false);
});

Deno.test("a scenario whose ceiling completed nothing fails instead of dividing by zero", () => {
  const targets = judge(results({ comparisons: { signin: comparison(0, 0) } }));
  assertEquals(verdict(targets, "/auth/signin"), false);
});

Deno.test("soak targets compare the last 5 s window with the first and RSS at the end with the start", () => {
  const soak = { seconds: 60, windowsRps: [1000, 980, 950], rps: 975, failures: 0, rssStartMb: 100, rssEndMb: 111 };
  const targets = judge(results({ soak }));
  assertEquals(verdict(targets, "soak: last"), true);
  assertEquals(verdict(targets, "soak: RSS"), false);
});

Deno.test("peer targets hold our throughput against the peer's best get-session figure", () => {
  const targets = judge(
    results({
      comparisons: {
        "me-memory": comparison(6600, 9000),
        "me-redis": comparison(6400, 8000),
        refresh: comparison(1400, 1600),
      },
    }),
  );
  assertEquals(verdict(targets, "token-checked throughput (memory store)"), true, "6600 ≥ 5 × 1300");
  assertEquals(verdict(targets, "token-checked throughput (Redis store)"), false, "6400 < 5 × 1300");
  // Two decimals, so a multiple just short of its goal never reads as the goal itself
  const redis = targets.find((target) => target.label.startsWith("token-checked throughput (Redis store)"));
  assertEquals(redis?.measured, "6400 req/s = 4.92× the peer's best");
  assertEquals(verdict(targets, "refresh throughput"), true);
});

Deno.test("the Markdown table lists every scenario with its ratio and every target with a verdict", () => {
  const partial = results({ comparisons: { refresh: comparison(800, 1000) } });
  const markdown = renderMarkdown({ ...partial, targets: judge(partial) }, "bench/results/x.json");
  assertMatch(markdown, /\| POST \/auth\/refresh \| 800 ±0% \| .* \| 80% \| 1250 \/ 1000 \|/);
  assertMatch(markdown, /\| \/auth\/refresh vs rotation ceiling \| 80% .* \| PASS \|/);
  assert(markdown.includes("| idle RSS (Postgres backend) | — (not run) | ≤ 150 MB | SKIP |"));
});

Deno.test({
  name:
    "the Redis-store ceiling runs @upstash/ratelimit's own sliding-window script: a third request past 2 is refused",
  ignore: !TEST_REDIS_URL,
  async fn() {
    const window = await createSlidingWindow(TEST_REDIS_URL!, 2, 60_000);
    const subject = `bench-test-${crypto.randomUUID()}`;
    try {
      assertEquals([await window.count(subject), await window.count(subject), await window.count(subject)], [
        true,
        true,
        false,
      ]);
    } finally {
      await window.close();
    }
  },
});

Deno.test("--database and --port move a run off the default database and ports; the shared databases are refused", () => {
  const settings = parseArgs(["--scale", "--database", "help_scale_bench", "--port", "18600"]);
  assertEquals([settings.databaseName, settings.port], ["help_scale_bench", 18600]);
  assertEquals([parseArgs([]).databaseName, parseArgs([]).port], ["jessy_bench", 18400]);
  for (const name of ["test", "postgres", "template1", "Bench", "a;drop", ""]) {
    assertThrows(() => databaseFlag(name));
  }
});
