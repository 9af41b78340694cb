import css from "swagger-ui-dist/swagger-ui.css" with { type: "text" };
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };
import type { Environment } from "../../config.ts";

type Asset = { body: string; type: string };

/**
 * Swagger UI's own files, served by the app so /docs loads nothing from another host. Only
 * development keeps an entered token across reloads (`persistAuthorization` writes it to
 * `localStorage`, where any script on the origin can read it); elsewhere it lives in the page.
 */
export function swaggerAssets(environment: Environment): Record<string, Asset> {
  return environment === "development" ? DEVELOPMENT_ASSETS : PRODUCTION_ASSETS;
}

// A file rather than an inline script, so the CSP can stay script-src 'self'
function initializer(persistAuthorization: boolean): Asset {
  return {
    body: `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: ${persistAuthorization},
  displayRequestDuration: true,
  validatorUrl: null,
  withCredentials: false,
  // "Try it out" calls the instance that served this page, whatever host APP_URL names:
  // a tester on 127.0.0.1, another port or a LAN address would otherwise hit CORS or nothing
  requestInterceptor: (request) => {
    const url = new URL(request.url, window.location.href);
    if (url.origin !== window.location.origin) request.url = window.location.origin + url.pathname + url.search;
    return request;
  },
});
`,
    type: "text/javascript; charset=utf-8",
  };
}

const FILES: Record<string, Asset> = {
  "swagger-ui.css": { body: css, type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { body: bundle, type: "text/javascript; charset=utf-8" },
};
const DEVELOPMENT_ASSETS = { ...FILES, "swagger-initializer.js": initializer(true) };
const PRODUCTION_ASSETS = { ...FILES, "swagger-initializer.js": initializer(false) };

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jessy API docs</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-initializer.js"></script>
</body>
</html>
`;
