import type { OpenApiDocument } from "../../http/openapi-document.ts";
import { createRouter } from "../../http/router.ts";
import * as routes from "./docs.routes.ts";
import { DOCS_HTML, swaggerAssets } from "./swagger-assets.ts";
import { AppError } from "../../errors.ts";

/** /openapi.json and Swagger UI; `document` is computed once the other routes exist. */
export function docsRouter(document: () => OpenApiDocument) {
  return createRouter()
    .openapi(routes.spec, (c) => c.json(document(), 200))
    .openapi(routes.docs, (c) => c.html(DOCS_HTML, 200))
    .openapi(routes.asset, (c) => {
      const file = c.req.valid("param").file;
      // Own keys only: "constructor" or "valueOf" must not reach the object's prototype
      const assets = swaggerAssets(c.get("deps").config.environment);
      const asset = Object.hasOwn(assets, file) ? assets[file] : undefined;
      if (!asset) throw new AppError("not_found", "No such asset");
      c.header("Cache-Control", "public, max-age=86400");
      return c.text(asset.body, 200, { "Content-Type": asset.type });
    });
}
