import { OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, type FieldError } from "../errors.ts";
import type { AppEnv } from "./app-env.ts";

/** Turns zod issues into the problem's `errors` list. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** A router whose validation failures become 422 problems instead of raw ZodErrors. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("validation_failed", "The request does not match the schema", {
          errors: fieldErrors(result.error),
        });
      }
    },
  });
}
