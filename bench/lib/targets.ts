import type { Comparison } from "./compare.ts";
import { type BenchResults, isSkipped, PEER, type Skipped, type Target } from "./results.ts";

const MAX_FAILURE_SHARE = 0.01;

function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

function failureNote(comparison: Comparison): string | undefined {
  const { failures, requests } = comparison.ours;
  return failures > requests * MAX_FAILURE_SHARE ? `${failures} of ${requests} requests failed` : undefined;
}

function ratioTarget(label: string, comparison: Comparison | Skipped | undefined, minimum: number): Target {
  const goal = `≥ ${percent(minimum)} of ceiling`;
  if (!comparison || isSkipped(comparison)) {
    return { label, measured: "—", goal, pass: null, note: comparison?.skipped ?? "not run" };
  }
  if (!Number.isFinite(comparison.ratio) || comparison.ceiling.rps.median === 0) {
    return { label, measured: "—", goal, pass: false, note: "no request completed: machine saturated?" };
  }
  const note = failureNote(comparison);
  return {
    label,
    measured: `${percent(comparison.ratio)} (${comparison.ours.rps.median.toFixed(0)} / ${
      comparison.ceiling.rps.median.toFixed(0)
    } req/s)`,
    goal,
    pass: comparison.ratio >= minimum && !note,
    note,
  };
}

function boundTarget(
  label: string,
  value: number | undefined,
  goal: string,
  pass: (value: number) => boolean,
  unit: string,
) {
  if (value === undefined || Number.isNaN(value)) return { label, measured: "—", goal, pass: null, note: "not run" };
  return { label, measured: `${value.toFixed(1)} ${unit}`, goal, pass: pass(value) };
}

function peerTarget(label: string, comparison: Comparison | Skipped | undefined, multiple: number): Target {
  const floor = PEER.getSessionRps.high * multiple;
  const goal = `≥ ${multiple}× ${PEER.name} get-session (${PEER.getSessionRps.low}–${PEER.getSessionRps.high} req/s)`;
  if (!comparison || isSkipped(comparison)) return { label, measured: "—", goal, pass: null, note: "not run" };
  const rps = comparison.ours.rps.median;
  return {
    label,
    measured: `${rps.toFixed(0)} req/s = ${(rps / PEER.getSessionRps.high).toFixed(2)}× the peer's best`,
    goal,
    pass: rps >= floor && !failureNote(comparison),
  };
}

/**
 * Metrics on (every request counted and timed, /metrics scraped every second) against metrics
 * off: the token-check ratios of the same run, each against the ceiling measured beside it.
 */
function metricsTarget(off: Comparison | Skipped | undefined, on: Comparison | Skipped | undefined): Target {
  const label = "/auth/me ratio, metrics on vs off";
  const goal = "≥ 95% of the ratio with metrics off";
  if (!off || !on || isSkipped(off) || isSkipped(on)) {
    return { label, measured: "—", goal, pass: null, note: "not run" };
  }
  const relative = on.ratio / off.ratio;
  if (!Number.isFinite(relative)) return { label, measured: "—", goal, pass: false, note: "no request completed" };
  const note = failureNote(on);
  return {
    label,
    measured: `${percent(relative)} (${percent(on.ratio)} on, ${percent(off.ratio)} off)`,
    goal,
    pass: relative >= 0.95 && !note,
    note,
  };
}

/** Every target of the benchmark, judged from one run's results. */
export function judge(results: Omit<BenchResults, "targets">): Target[] {
  const c = results.comparisons;
  const soak = results.soak && !isSkipped(results.soak) ? results.soak : undefined;
  const health = results.signinHealth && !isSkipped(results.signinHealth) ? results.signinHealth : undefined;
  const firstWindow = soak?.windowsRps[0];
  const lastWindow = soak?.windowsRps.at(-1);
  return [
    ratioTarget("/auth/me (memory store) vs ceiling", c["me-memory"], 0.7),
    metricsTarget(c["me-memory"], c["me-memory-metrics"]),
    ratioTarget("/auth/me (Redis store) vs Redis-store ceiling", c["me-redis"], 0.7),
    // A key pair's ceiling verifies with that algorithm on every request (memory store)
    ratioTarget("/auth/me (EdDSA tokens) vs EdDSA ceiling", c["me-eddsa"], 0.7),
    ratioTarget("/auth/me (ES256 tokens) vs ES256 ceiling", c["me-es256"], 0.7),
    ratioTarget("/auth/refresh vs rotation ceiling", c.refresh, 0.7),
    ratioTarget("/auth/signin vs bcrypt ceiling", c.signin, 0.9),
    {
      ...boundTarget(
        "/health/live p99 while sign-in is saturated",
        health?.health.p99Ms,
        "≤ 25 ms",
        (v) => v <= 25,
        "ms",
      ),
      ...(health?.idleHealth ? { note: `alone: ${health.idleHealth.p99Ms.toFixed(1)} ms` } : {}),
    },
    boundTarget(
      "soak: last 5 s window vs first",
      firstWindow && lastWindow !== undefined ? (lastWindow / firstWindow) * 100 : undefined,
      "≥ 90%",
      (v) => v >= 90,
      "%",
    ),
    boundTarget(
      "soak: RSS growth",
      soak ? ((soak.rssEndMb - soak.rssStartMb) / soak.rssStartMb) * 100 : undefined,
      "≤ 10%",
      (v) => v <= 10,
      "%",
    ),
    boundTarget("idle RSS (Postgres backend)", results.startup?.idleRssMb, "≤ 150 MB", (v) => v <= 150, "MB"),
    boundTarget("cold start to ready", results.startup?.coldStartMs, "≤ 2000 ms", (v) => v <= 2000, "ms"),
    // Both stores: memory is the single-instance default, Redis what several instances share
    peerTarget("token-checked throughput (memory store) vs peer", c["me-memory"], 5),
    peerTarget("token-checked throughput (Redis store) vs peer", c["me-redis"], 5),
    peerTarget("refresh throughput vs peer", c.refresh, 1),
  ];
}
