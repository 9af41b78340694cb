import { withTimeout } from "../timeout.ts";
import type { Mailer } from "./mailer.ts";
import type { CheckResult, HealthProbe } from "../health-probe.ts";

export interface MailerProbeOptions {
  /** How long a verify may take before the check reports degraded */
  timeoutMs?: number;
  /** How long a result is reused: /health must not open an SMTP connection per request */
  cacheMs?: number;
  now?: () => number;
}

/**
 * The `mailer` health check. SMTP is checked with a connection handshake (cached); mail
 * waits in the outbox while SMTP is away, so an unreachable server is "degraded", not down.
 */
export function mailerProbe(mailer: Mailer, options: MailerProbeOptions = {}): HealthProbe {
  const timeoutMs = options.timeoutMs ?? 3000;
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; result: Promise<CheckResult> } | undefined;

  async function check(): Promise<CheckResult> {
    const started = performance.now();
    let status: CheckResult["status"] = "up";
    try {
      await withTimeout(mailer.verify(), timeoutMs, "The mailer");
    } catch {
      status = "degraded";
    }
    return { status, latency_ms: Math.round(performance.now() - started), detail: mailer.kind };
  }

  return function probeMailer() {
    if (mailer.kind === "outbox") return Promise.resolve({ status: "up", latency_ms: 0, detail: "outbox" });
    if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), result: check() };
    return cached.result;
  };
}
