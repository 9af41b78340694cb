import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

const OpenApiDocumentSchema = z
  .looseObject({})
  .openapi("OpenApiDocument", {
    description: "An OpenAPI 3.1 document",
    example: { openapi: "3.1.0", info: { title: "Jessy API", version: "1.0.0" }, paths: {} },
  });

export const spec = defineRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["Docs"],
  summary: "OpenAPI 3.1 document",
  description: "The machine-readable contract of this API, generated from the same definitions that validate requests.",
  tier: "public",
  responses: {
    200: {
      description: "OpenAPI 3.1 document",
      content: { "application/json": { schema: OpenApiDocumentSchema } },
    },
  },
});

/**
 * Swagger UI's page and files are routes like the others, but `hide` keeps them out of the
 * OpenAPI document: they are HTML and scripts for a person's browser, and every generated SDK
 * would otherwise grow a `getDocs` and `getDocsAsset` no client should call.
 */
export const docs = defineRoute({
  method: "get",
  path: "/docs",
  operationId: "getDocs",
  hide: true,
  tags: ["Docs"],
  summary: "Swagger UI",
  description: "Interactive documentation; every asset is served by this service.",
  tier: "public",
  responses: {
    200: {
      description: "Swagger UI page",
      content: {
        "text/html": {
          schema: z.string(),
          example: '<!doctype html>\n<html lang="en">…<div id="swagger-ui"></div>…</html>',
        },
      },
    },
  },
});

export const asset = defineRoute({
  method: "get",
  path: "/docs/assets/{file}",
  operationId: "getDocsAsset",
  hide: true,
  tags: ["Docs"],
  summary: "Swagger UI asset",
  description: "Scripts and styles of the Swagger UI page.",
  tier: "public",
  request: {
    params: z.object({
      file: z.string().max(64).openapi({ example: "swagger-ui.css", param: { name: "file", in: "path" } }),
    }),
  },
  errors: ["not_found"],
  responses: {
    200: {
      description: "Asset",
      content: {
        "text/css": { schema: z.string(), example: ".swagger-ui{font-family:sans-serif}" },
        "text/javascript": { schema: z.string(), example: 'window.ui = SwaggerUIBundle({ url: "/openapi.json" });' },
      },
    },
  },
});
