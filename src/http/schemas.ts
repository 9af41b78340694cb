import { z } from "@hono/zod-openapi";
import { PROBLEM_CODES } from "./problem-codes.ts";

const problemCodes = Object.keys(PROBLEM_CODES) as [keyof typeof PROBLEM_CODES, ...(keyof typeof PROBLEM_CODES)[]];

export const FieldErrorSchema = z
  .object({
    path: z.string().openapi({ description: "Dotted path of the field; empty for the whole body", example: "email" }),
    message: z.string().openapi({ example: "Invalid email address" }),
  })
  .openapi("FieldError");

/** RFC 9457 problem details: the body of every non-2xx response. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ format: "uri", example: "https://jessy-ai.com/problems/validation_failed" }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: "The request body does not match the schema" }),
    code: z.enum(problemCodes).openapi({ description: "Stable machine-readable error code" }),
    request_id: z.string().openapi({ description: "Echoes the X-Request-ID response header", example: "01J9Z…" }),
    errors: z.array(FieldErrorSchema).optional().openapi({ description: "Present on validation failures" }),
    retry_after: z.number().int().optional().openapi({ description: "Seconds to wait; present on 429" }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details" });
