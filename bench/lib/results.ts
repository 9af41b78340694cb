import type { Comparison } from "./compare.ts";
import type { WrkResult } from "./wrk.ts";

/** Published figures of the most used TypeScript peer (better-auth) on this machine. */
export const PEER = {
  name: "better-auth",
  getSessionRps: { low: 900, high: 1300 },
  signinPerCore: 10,
};

/** A scenario that could not run, and why. */
export interface Skipped {
  skipped: string;
}

export interface SoakFigures {
  seconds: number;
  /** Successful requests per second in each 5-second window */
  windowsRps: number[];
  rps: number;
  failures: number;
  rssStartMb: number;
  rssEndMb: number;
}

export interface SigninHealthFigures {
  signin: WrkResult;
  health: WrkResult;
  /** /health/live with no other load, just before: what the machine allows */
  idleHealth?: WrkResult;
}

/** Everything one run measured, as written to bench/results/ceilings-<date>.json. */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  startup?: { migrateMs: number; coldStartMs: number; idleRssMb: number };
  comparisons: Record<string, Comparison | Skipped>;
  signinHealth?: SigninHealthFigures | Skipped;
  soak?: SoakFigures | Skipped;
  targets: Target[];
}

/** One target: a ratio or bound with its verdict (null when its scenario did not run). */
export interface Target {
  label: string;
  measured: string;
  goal: string;
  pass: boolean | null;
  note?: string;
}

/** Scenario names and what they measure, in table order. */
export const SCENARIOS: Record<string, { title: string; ceiling: string }> = {
  "me-memory": { title: "GET /auth/me, memory store", ceiling: "jose verify + PK select" },
  "me-memory-metrics": {
    title: "GET /auth/me, memory store, metrics on",
    ceiling: "jose verify + PK select",
  },
  "me-redis": { title: "GET /auth/me, Redis store", ceiling: "jose verify + EVALSHA + PK select" },
  "me-eddsa": { title: "GET /auth/me, EdDSA tokens", ceiling: "EdDSA verify + PK select" },
  "me-es256": { title: "GET /auth/me, ES256 tokens", ceiling: "ES256 verify + PK select" },
  refresh: { title: "POST /auth/refresh", ceiling: "rotation transaction + grace seal" },
  signin: { title: "POST /auth/signin", ceiling: "bcrypt verify" },
};

export function isSkipped(value: unknown): value is Skipped {
  return typeof value === "object" && value !== null && "skipped" in value;
}
