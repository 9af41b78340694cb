/**
 * The operator's files: the alert rules pass promtool (syntax and their own unit tests), and the
 * Grafana dashboard is well formed and queries only series the service exports.
 */
import { createMetrics } from "../../src/metrics/prometheus.ts";
import { systemClock } from "../../src/clock.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { requireInstalled, skipWithout } from "../helpers/installed.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ALERTS = `${ROOT}ops/prometheus/alerts.yml`;
const DASHBOARD = `${ROOT}ops/grafana/jessy-api.json`;

async function promtool(args: string[], cwd = ROOT): Promise<string> {
  const output = await new Deno.Command(requireInstalled("promtool"), { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert(output.success, text);
  return text;
}

Deno.test({
  name: "ops: promtool check rules passes on ops/prometheus/alerts.yml, and its unit tests pass",
  ignore: skipWithout("promtool"),
  async fn() {
    assert((await promtool(["check", "rules", ALERTS])).includes("SUCCESS: 6 rules found"));
    assert((await promtool(["test", "rules", "alerts.test.yml"], `${ROOT}ops/prometheus`)).includes("SUCCESS"));
  },
});

/** Every series name the service exports (histograms with their _bucket, _sum and _count), plus Prometheus's `up`. */
async function exportedSeries(): Promise<Set<string>> {
  const database = await createTestDatabase();
  try {
    const metrics = createMetrics({ database, clock: systemClock, processMetrics: true });
    const text = await metrics.render();
    const names = new Set(["up"]);
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name);
      if (type === "histogram") { for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix); }
      if (type === "summary") { for (const suffix of ["_sum", "_count"]) names.add(name + suffix); }
    }
    return names;
  } finally {
    await database.close();
  }
}

const PROMQL_WORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "count",
  "by",
  "without",
  "rate",
  "irate",
  "increase",
  "histogram_quantile",
  "label_values",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
]);

/** Metric names a PromQL expression reads: identifiers outside label matchers, ranges, strings and groupings. */
function seriesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\boffset\s+-?[0-9a-z]+/g, " ")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ");
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((match) => match[0])
    .filter((word) => !PROMQL_WORDS.has(word) && !/^\d/.test(word));
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string } }[];
}

Deno.test("ops: the Grafana dashboard has well-formed panels whose queries read only series the service exports", async () => {
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD)) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };
  assertEquals(typeof dashboard.uid, "string");
  assertEquals(dashboard.title, "Jessy API");
  assert(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 30);
  assertEquals(dashboard.templating.list.map((variable) => variable.name), ["datasource", "instance"]);
  const ids = dashboard.panels.map((panel) => panel.id);
  assertEquals(new Set(ids).size, ids.length, "panel ids are unique");

  const exported = await exportedSeries();
  const read = new Set<string>();
  const graphs = dashboard.panels.filter((panel) => panel.type !== "row");
  assert(graphs.length >= 12, `only ${graphs.length} panels`);
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos;
    assert([x, y, w, h].every(Number.isInteger) && x >= 0 && w > 0 && h > 0 && x + w <= 24, `${panel.title}: gridPos`);
    assert(panel.title.length > 0);
    if (panel.type === "row") continue;
    assert(["timeseries", "stat", "gauge", "bargauge", "table"].includes(panel.type), `${panel.title}: ${panel.type}`);
    assertEquals(panel.datasource?.type, "prometheus", panel.title);
    assert(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
    const refIds = panel.targets.map((target) => target.refId);
    assertEquals(new Set(refIds).size, refIds.length, `${panel.title}: refIds`);
    for (const target of panel.targets) {
      const names = seriesIn(target.expr);
      assert(names.length > 0, `${panel.title}: ${target.expr} reads no series`);
      for (const name of names) {
        assert(exported.has(name), `${panel.title}: ${name} is not exported by the service`);
        read.add(name);
      }
    }
  }
  // What the issue asks the dashboard to show is there
  for (
    const name of [
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "auth_events_total",
      "rate_limit_decisions_total",
      "rate_limit_store_fallback",
      "mail_outbox_oldest_pending_age_seconds",
      "mail_outbox_rows",
      "password_hash_queue_depth",
      "password_hash_rejected_total",
      "webhook_deliveries_total",
      "webhook_deliveries_rows",
      "webhook_deliveries_oldest_pending_age_seconds",
    ]
  ) assert(read.has(name), `the dashboard does not show ${name}`);
});

Deno.test("ops: the alert rules read only series the service exports", async () => {
  const rules = await Deno.readTextFile(ALERTS);
  const exprs = [...rules.matchAll(/expr: (?:>-\n((?:\s{10}.*\n)+)|(.*))/g)].map((match) =>
    (match[1] ?? match[2]).replace(/\s+/g, " ").trim()
  );
  assertEquals(exprs.length, 6);
  const exported = await exportedSeries();
  for (const expr of exprs) {
    for (const name of seriesIn(expr)) assert(exported.has(name), `${expr}: ${name} is not exported`);
  }
});

Deno.test("ops: seriesIn finds the metric names of an expression and nothing else", () => {
  assertEquals(
    seriesIn(
      'histogram_quantile(0.95, sum by (operation, le) (rate(http_request_duration_seconds_bucket{a=~"x"}[5m])))',
    ),
    ["http_request_duration_seconds_bucket"],
  );
  assertEquals(seriesIn('sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(b_total[5m])) > 0.05'), [
    "a_total",
    "b_total",
  ]);
  assertEquals(seriesIn('max(a_rows{status="pending"}) > max(a_rows{status="pending"} offset 15m)'), [
    "a_rows",
    "a_rows",
  ]);
});
