import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { CheckResult, HealthProbe } from "../health-probe.ts";
import { VERSION } from "../version.ts";
import { constantTimeEqual, sha256Hex } from "./secrets.ts";

/** What /health reports on: the database, the other probes, the active security features. */
export interface HealthInput {
  config: Pick<Config, "environment" | "healthDetailsToken">;
  clock: Clock;
  database: Pick<Database, "ping" | "kind">;
  probes: Readonly<Record<string, HealthProbe>>;
  features: Readonly<Record<string, boolean | string>>;
}

async function timed(clock: Clock, probe: HealthProbe): Promise<CheckResult> {
  const started = clock.monotonicMs();
  try {
    return await probe();
  } catch {
    // The cause may hold a hostname or driver message: report only that it is down
    return { status: "down", latency_ms: Math.round(clock.monotonicMs() - started) };
  }
}

/**
 * Whether a /health caller sees the details (version, environment, store kinds, latencies,
 * security features): always in development; in production only to the bearer of
 * HEALTH_DETAILS_TOKEN, compared in constant time (over digests, so not even the token's
 * length shows).
 */
export function showsHealthDetails(
  config: Pick<Config, "environment" | "healthDetailsToken">,
  presented: string | undefined,
): boolean {
  if (config.environment === "development") return true;
  const expected = config.healthDetailsToken;
  if (!expected || presented === undefined) return false;
  return constantTimeEqual(sha256Hex(presented), sha256Hex(expected));
}

/** Only the overall status and each check's state: what anyone may see in production. */
export function healthSummary(report: Awaited<ReturnType<typeof runHealthChecks>>) {
  const checks = Object.fromEntries(
    Object.entries(report.checks).map(([name, check]) => [name, { status: check.status }]),
  );
  return { status: report.status, checks };
}

/** Runs every dependency check in parallel; the report never holds a URL or secret. */
export async function runHealthChecks(deps: HealthInput) {
  const database: HealthProbe = async () => {
    const started = deps.clock.monotonicMs();
    await deps.database.ping(2000);
    return {
      status: "up",
      latency_ms: Math.round((deps.clock.monotonicMs() - started) * 10) / 10,
      detail: deps.database.kind,
    };
  };
  const entries = Object.entries({ database, ...deps.probes });
  const results = await Promise.all(entries.map(([, probe]) => timed(deps.clock, probe)));
  const checks = Object.fromEntries(entries.map(([name], i) => [name, results[i]]));
  return {
    status: results.every((r) => r.status === "up") ? "ok" as const : "degraded" as const,
    version: VERSION,
    environment: deps.config.environment,
    checks,
    security: { ...deps.features },
    time: deps.clock.now().toISOString(),
  };
}
