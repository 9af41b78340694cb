export type CheckStatus = "up" | "degraded" | "down";

/** One dependency's state as /health reports it. */
export interface CheckResult {
  status: CheckStatus;
  latency_ms: number;
  /** Short, secret-free description (store kind, transport) */
  detail?: string;
}

/** A named dependency check reported by /health. */
export type HealthProbe = () => Promise<CheckResult>;
