import type { Clock } from "../clock.ts";
import { withTimeout } from "../timeout.ts";
import type { Mailer } from "./mailer.ts";
import type { CheckResult, HealthProbe } from "../health-probe.ts";

export interface MailerProbeOptions {
  /** How long a verify may take before the check reports degraded */
  timeoutMs?: number;
  /** How long a result is reused: /health must not open an SMTP connection per request */
  cacheMs?: number;
  /** Times the verify, its latency and the cache's age */
  clock: Clock;
}

/**
 * The `mailer` health check. SMTP is checked with a connection handshake (cached); mail
 * waits in the outbox while SMTP is away, so an unreachable server is "degraded", not down.
 */
export function mailerProbe(mailer: Mailer, options: MailerProbeOptions): HealthProbe {
  const { clock } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const cacheMs = options.cacheMs ?? 30_000;
  let cached: { at: number; result: Promise<CheckResult> } | undefined;

  async function check(): Promise<CheckResult> {
    const started = clock.monotonicMs();
    let status: CheckResult["status"] = "up";
    try {
      await withTimeout(mailer.verify(), timeoutMs, "The mailer", clock);
    } catch {
      status = "degraded";
    }
    return { status, latency_ms: Math.round(clock.monotonicMs() - started), detail: mailer.kind };
  }

  return function probeMailer() {
    if (mailer.kind === "outbox") return Promise.resolve({ status: "up", latency_ms: 0, detail: "outbox" });
    const nowMs = clock.monotonicMs();
    if (!cached || nowMs - cached.at >= cacheMs) cached = { at: nowMs, result: check() };
    return cached.result;
  };
}
