import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

export const SecurityTestSchema = z
  .object({
    message: z.string().openapi({ example: "Rate limiting is active" }),
    store: z.enum(["redis", "upstash", "memory"]).openapi({
      description: "The limiter store that counted this request; memory while Redis or Upstash is unreachable",
      example: "redis",
    }),
    limit: z.number().int().openapi({ description: "Requests allowed per minute on this route", example: 2 }),
    remaining: z.number().int().openapi({ description: "Requests left in the current window", example: 1 }),
  })
  .openapi("SecurityTest");

export const securityTest = defineRoute({
  method: "get",
  path: "/security-test",
  operationId: "getSecurityTest",
  tags: ["Security"],
  summary: "Rate-limit smoke test",
  description:
    "Limited per client IP, 2 per minute by default (`RATE_LIMIT_SECURITY_TEST_PER_MINUTE`): call it three " +
    "times in a row to see the 429. Names the store that counted the request.",
  tier: "security_test",
  responses: {
    200: {
      description: "Counted by the rate limiter",
      content: { "application/json": { schema: SecurityTestSchema } },
    },
  },
});
