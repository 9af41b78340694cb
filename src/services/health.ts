import type { AppDeps, CheckResult, HealthProbe } from "../app-deps.ts";
import { VERSION } from "../version.ts";

async function timed(probe: HealthProbe): Promise<CheckResult> {
  const started = performance.now();
  try {
    return await probe();
  } catch {
    // The cause may hold a hostname or driver message: report only that it is down
    return { status: "down", latency_ms: Math.round(performance.now() - started) };
  }
}

/** Runs every dependency check in parallel; the report never holds a URL or secret. */
export async function runHealthChecks(deps: AppDeps) {
  const database: HealthProbe = async () => {
    const started = performance.now();
    await deps.database.ping(2000);
    return {
      status: "up",
      latency_ms: Math.round((performance.now() - started) * 10) / 10,
      detail: deps.database.kind,
    };
  };
  const entries = Object.entries({ database, ...deps.probes });
  const results = await Promise.all(entries.map(([, probe]) => timed(probe)));
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
