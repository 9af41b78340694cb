import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

const CheckSchema = z
  .object({
    status: z.enum(["up", "degraded", "down"]).openapi({ example: "up" }),
    latency_ms: z.number().openapi({ example: 1.4 }),
    detail: z.string().optional().openapi({ example: "postgres" }),
  })
  .openapi("HealthCheck");

const CheckStateSchema = z
  .object({ status: z.enum(["up", "degraded", "down"]).openapi({ example: "up" }) })
  .openapi("HealthCheckState");

const CHECK_NAMES = "database, rate_limit_store, mailer";

/** What anyone sees in production: the overall status and each check's state. */
export const HealthSummarySchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "degraded when any check is not up", example: "ok" }),
    checks: z.record(z.string(), CheckStateSchema).openapi({
      description: CHECK_NAMES,
      example: { database: { status: "up" }, rate_limit_store: { status: "up" }, mailer: { status: "up" } },
    }),
  })
  .openapi("HealthSummary");

/** What development, or a production caller with HEALTH_DETAILS_TOKEN, sees. */
export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "degraded when any check is not up", example: "ok" }),
    version: z.string().openapi({ example: "1.0.0" }),
    environment: z.enum(["development", "production"]).openapi({ example: "production" }),
    checks: z.record(z.string(), CheckSchema).openapi({
      description: CHECK_NAMES,
      example: {
        database: { status: "up", latency_ms: 1.4, detail: "postgres" },
        rate_limit_store: { status: "up", latency_ms: 0.6, detail: "redis" },
        mailer: { status: "up", latency_ms: 12.1, detail: "smtp" },
      },
    }),
    security: z.record(z.string(), z.union([z.boolean(), z.string()])).openapi({
      description: "Security features active in this instance",
      example: { rate_limiting: true, cors_restricted: true, hsts: false },
    }),
    time: z.string().openapi({ format: "date-time", example: "2026-11-28T09:30:00.000Z" }),
  })
  .openapi("Health");

export const HealthReportSchema = z
  .union([HealthSummarySchema, HealthSchema])
  .openapi("HealthReport", {
    description: "`HealthSummary` in production; `Health` in development or with the details token",
  });

const HEALTH_EXAMPLES = {
  summary: {
    summary: "Production, without the details token",
    value: {
      status: "ok",
      checks: { database: { status: "up" }, rate_limit_store: { status: "up" }, mailer: { status: "up" } },
    },
  },
  details: {
    summary: "Development, or Authorization: Bearer <HEALTH_DETAILS_TOKEN>",
    value: {
      status: "ok",
      version: "1.0.0",
      environment: "production",
      checks: {
        database: { status: "up", latency_ms: 1.4, detail: "postgres" },
        rate_limit_store: { status: "up", latency_ms: 0.6, detail: "redis" },
        mailer: { status: "up", latency_ms: 12.1, detail: "smtp" },
      },
      security: { rate_limiting: true, cors_restricted: true, hsts: false },
      time: "2026-11-28T09:30:00.000Z",
    },
  },
};

export const LivenessSchema = z.object({ status: z.literal("alive").openapi({ example: "alive" }) }).openapi(
  "Liveness",
);
export const ReadinessSchema = z.object({ status: z.literal("ready").openapi({ example: "ready" }) }).openapi(
  "Readiness",
);

export const health = defineRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["Health"],
  summary: "Service status with dependency checks",
  description: "Reports each dependency (database, rate-limit store, mailer) as up, degraded or down. In production " +
    "anyone sees only that (`HealthSummary`); the version, environment, store kinds, latencies and active security " +
    "features (`Health`) are shown in development, or in production to a caller sending " +
    "`Authorization: Bearer <HEALTH_DETAILS_TOKEN>` (any other token gets the summary). Always 200: read `status` " +
    "to tell ok from degraded.",
  tier: "public",
  security: [{}, { healthDetailsToken: [] }],
  responses: {
    200: {
      description: "Status report",
      content: { "application/json": { schema: HealthReportSchema, examples: HEALTH_EXAMPLES } },
    },
  },
});

export const live = defineRoute({
  method: "get",
  path: "/health/live",
  operationId: "getLiveness",
  tags: ["Health"],
  summary: "Liveness probe",
  description: "200 while the instance can serve. 503 when it cannot and a restart would help: every database " +
    "connection has been taken and none came back for a while, or the instance has failed to reach a database " +
    "that answers a connection of its own. A database that is down does not fail liveness (readiness reports " +
    "it). Answers at once, without waiting on the database.",
  tier: "public",
  errors: ["service_unavailable"],
  responses: {
    200: { description: "The instance can serve", content: { "application/json": { schema: LivenessSchema } } },
  },
});

export const ready = defineRoute({
  method: "get",
  path: "/health/ready",
  operationId: "getReadiness",
  tags: ["Health"],
  summary: "Readiness probe",
  description: "200 when the database answers; 503 otherwise, so a load balancer stops sending traffic.",
  tier: "public",
  errors: ["service_unavailable"],
  responses: {
    200: { description: "Ready to serve", content: { "application/json": { schema: ReadinessSchema } } },
  },
});
