import postgres from "postgres";
import { parseArgs, scaleSizes } from "../../bench/lib/args.ts";
import type { SideFigures } from "../../bench/lib/compare.ts";
import { axisTicks, escapeXml, renderChart } from "../../bench/lib/scale/chart.ts";
import { chartSpec, judgeScale, type ScaleResults, type SizeResults } from "../../bench/lib/scale/results.ts";
import {
  countsFor,
  DEFAULT_SHAPE,
  growTo,
  heavyEmail,
  heavyUsersFor,
  scaleEmail,
  scaleEmailPrefixes,
} from "../../bench/lib/scale/seed.ts";
import { summarize } from "../../bench/lib/stats.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";

Deno.test("--scale measures 0, users/10 and users by default; --sizes is sorted, deduplicated and starts at 0", () => {
  const settings = parseArgs(["--scale", "--users", "50000"]);
  assertEquals([settings.scale, settings.sizes, settings.databaseName], [true, [0, 5000, 50000], "jessy_scale"]);
  assertEquals(parseArgs(["--scale"]).sizes, [0, 100_000, 1_000_000]);
  assertEquals(scaleSizes(1000, [1000, 10, 10, 5000]), [0, 10, 1000], "sizes past --users are dropped");
  assertEquals(scaleSizes(0), [0], "--users 0 is the empty run alone");
});

Deno.test("seed counts follow the per-user proportions, with one heavy user per 100,000 (at least one)", () => {
  assertEquals([heavyUsersFor(0), heavyUsersFor(1), heavyUsersFor(99_999), heavyUsersFor(1_000_000)], [0, 1, 1, 10]);
  const counts = countsFor(1_000_000);
  assertEquals(counts.sessions, 2_000_000 + 10 * 10_000);
  assertEquals(counts.refreshTokens, 10_000_000 + 10 * 10_000);
  assertEquals(counts.securityEvents, 20_000_000 + 10 * 100_000);
  assertEquals(counts.mail, 3_000_000);
  assertEquals(counts.expired, {
    sessions: 100_000,
    // Token 0 of every user, and the five tokens of each expired session
    refreshTokens: 1_000_000 + 100_000 * 5,
    securityEvents: 1_000_000,
    mail: 1_000_000,
  });
});

Deno.test({
  name: "seeding a tiny database writes exactly the counted rows, expired ones included (Postgres)",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const database = await createTestDatabase();
    const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
    const shape = { ...DEFAULT_SHAPE, usersPerHeavy: 10, heavySessions: 20, heavyEvents: 50 };
    try {
      // Grown in two steps, as the benchmark grows from one size to the next
      await growTo(sql, 0, 12, "hash", shape);
      await growTo(sql, 12, 30, "hash", shape);
      const counts = countsFor(30, shape);
      const [row] = await sql`
        select (select count(*) from users)::int as users,
               (select count(*) from users where email like 'scale-heavy-%')::int as heavy,
               (select count(*) from sessions)::int as sessions,
               (select count(*) from refresh_tokens)::int as tokens,
               (select count(*) from refresh_tokens where consumed_at is not null)::int as consumed,
               (select count(*) from security_events)::int as events,
               (select count(*) from mail_outbox)::int as mail,
               (select count(*) from sessions where expires_at < now())::int as expired_sessions,
               (select count(*) from refresh_tokens where expires_at < now())::int as expired_tokens,
               (select count(*) from security_events where created_at < now() - interval '365 days')::int as old_events,
               (select count(*) from mail_outbox where created_at < now() - interval '30 days')::int as old_mail,
               (select count(*) from refresh_tokens r join sessions s on s.id = r.session_id
                where r.user_id <> s.user_id)::int as foreign_tokens,
               (select count(*) from refresh_tokens r join sessions s on s.id = r.session_id
                where s.expires_at < now() and r.expires_at >= now())::int as live_tokens_of_expired_sessions`;
      assertEquals(row, {
        users: 30 + counts.heavyUsers,
        heavy: 3,
        sessions: counts.sessions,
        tokens: counts.refreshTokens,
        consumed: 30 * 8,
        events: counts.securityEvents,
        mail: counts.mail,
        expired_sessions: counts.expired.sessions,
        expired_tokens: counts.expired.refreshTokens,
        old_events: counts.expired.securityEvents,
        old_mail: counts.expired.mail,
        foreign_tokens: 0,
        // The service's sessions expire with their last token
        live_tokens_of_expired_sessions: 0,
      });
    } finally {
      await sql.end();
      await database.close();
    }
  },
});

Deno.test("the chart is one well-formed SVG document with a polyline per series that ran", () => {
  const svg = renderChart({
    title: "A & B <scale>",
    categories: ["0", "100k", "1M"],
    panels: [
      {
        title: "Throughput",
        unit: "%",
        series: [{ name: "GET /auth/me", values: [100, 98, 95] }, { name: "never ran", values: [null, null, null] }],
        guide: { value: 90, label: "≥ 90%" },
      },
      { title: "p99", unit: "×", series: [{ name: "GET /auth/me", values: [1, 1.1, null] }] },
    ],
  });
  assert(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert(svg.trimEnd().endsWith("</svg>"));
  assert(svg.includes("A &amp; B &lt;scale&gt;"));
  assertEquals(svg.match(/<polyline /g)?.length, 2);
  // Every element is closed: self-closing, or opened and closed as often
  for (const tag of ["svg", "g", "text", "polyline", "title"]) {
    const opened = svg.match(new RegExp(`<${tag}[ >]`, "g"))?.length ?? 0;
    const selfClosed = svg.match(new RegExp(`<${tag}[^>]*/>`, "g"))?.length ?? 0;
    const closed = svg.match(new RegExp(`</${tag}>`, "g"))?.length ?? 0;
    assertEquals(opened - selfClosed, closed, tag);
  }
  assertEquals(svg.match(/<\w+[^>]*>/g)!.some((t) => /="[^"]*"[^ />]/.test(t)), false, "attributes are quoted");
  assertEquals(escapeXml(`"<&>"`), "&quot;&lt;&amp;&gt;&quot;");
  assertEquals(axisTicks([0.4, 1.3]), [0, 0.5, 1, 1.5]);
  assertEquals(axisTicks([95, 120]), [0, 25, 50, 75, 100, 125]);
});

function side(rps: number, p50Ms: number, p99Ms: number): SideFigures {
  return { rps: summarize([rps]), p50Ms, p99Ms, failures: 0, requests: rps * 10, cpuMicrosPerRequest: 1_000_000 / rps };
}

function size(users: number, scenarios: SizeResults["scenarios"], extra: Partial<SizeResults> = {}): SizeResults {
  return { users, counts: countsFor(users), seedSeconds: 0, scenarios, plans: [], ...extra };
}

Deno.test("scale targets: ratios to the empty database, deep vs first page, heavy vs ordinary, sweep, migrations", () => {
  const results: Omit<ScaleResults, "targets"> = {
    date: "2026-11-29T00:00:00.000Z",
    quick: false,
    machine: {},
    settings: {},
    sizes: [
      size(0, {
        me: { ours: side(1000, 3, 10) },
        sessions: { ours: side(800, 4, 12) },
        "admin-search": { ours: side(900, 5, 20) },
      }),
      size(1_000_000, {
        me: { ours: side(910, 3, 15) },
        sessions: { ours: side(700, 4, 19) },
        "sessions-heavy": { ours: side(600, 8, 20) },
        "sessions-heavy-deep": { ours: side(500, 9, 20) },
        "admin-search": { ours: side(850, 6, 31) },
      }, {
        housekeeping: {
          rowsDeleted: 120_000,
          sweepSeconds: 10,
          rowsPerSecond: 12_000,
          meDuring: { rps: 900, p99Ms: 13 },
          meAlone: { rps: 910, p99Ms: 10 },
        },
      }),
    ],
    migrations: [{ name: "m", ms: 1500, locks: [], writeBlockedMs: 1200 }],
  };
  const targets = judgeScale(results);
  const verdict = (label: string) => targets.find((target) => target.label.startsWith(label))?.pass;
  assertEquals(verdict("GET /auth/me: throughput"), true, "91% ≥ 90%");
  assertEquals(verdict("GET /auth/me: p99"), true, "1.5× is within");
  assertEquals(verdict("GET /auth/sessions, ordinary user: throughput"), false, "88%");
  assertEquals(verdict("GET /auth/sessions, ordinary user: p99"), false, "1.58×");
  assertEquals(verdict("POST /auth/refresh: throughput"), null, "not run");
  assertEquals(verdict("sessions: page at 5,000"), false, "83% of the first page");
  assertEquals(verdict("sessions list: heavy vs ordinary"), true, "p50 8 ms = 2× 4 ms");
  assertEquals(verdict("housekeeping: expired rows"), true);
  assertEquals(verdict("housekeeping: /auth/me p99"), false, "+30%");
  assertEquals(verdict("migrations"), false);
  assertEquals(verdict("GET /admin/users, email prefix search: throughput at 1M"), true, "94%");
  assertEquals(verdict("GET /admin/users, email prefix search: p99 at 1M"), false, "1.55×");
  const panels = chartSpec(results).panels.map((panel) => panel.series.map((series) => series.name));
  assertEquals(
    panels.map((names) => names.includes("GET /admin/users, email prefix search")),
    [true, true, false],
    "drawn against the empty database like the other hot paths; it has no ceiling",
  );
});

Deno.test("admin search prefixes each match a block of 100 seeded addresses (more than a page), never a heavy user's", () => {
  const users = 1234;
  const addresses = [
    ...Array.from({ length: users }, (_, i) => scaleEmail(i + 1)),
    ...Array.from({ length: heavyUsersFor(users) }, (_, i) => heavyEmail(i + 1)),
  ];
  const matches = (prefix: string) => addresses.filter((address) => address.startsWith(prefix)).length;
  // The lowest and highest draws: the first block (no user 0) and the last whole one
  assertEquals(scaleEmailPrefixes(users, 2, () => 0), ["scale-0000000", "scale-0000000"]);
  assertEquals(scaleEmailPrefixes(users, 1, () => 0.999999), ["scale-0000011"]);
  assertEquals([matches("scale-0000000"), matches("scale-0000011")], [99, 100]);
  const drawn = scaleEmailPrefixes(1_000_000, 500);
  assertEquals(drawn.length, 500);
  assert(drawn.every((prefix) => /^scale-\d{7}$/.test(prefix) && prefix <= "scale-0009999"), drawn.join());
  assertEquals(scaleEmailPrefixes(99, 3), ["scale-0"], "below one block: every ordinary address");
});
