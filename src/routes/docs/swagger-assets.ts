import css from "swagger-ui-dist/swagger-ui.css" with { type: "text" };
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };

/** Swagger UI's own files, served by the app so /docs loads nothing from another host. */
export const SWAGGER_ASSETS: Record<string, { body: string; type: string }> = {
  "swagger-ui.css": { body: css, type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { body: bundle, type: "text/javascript; charset=utf-8" },
  // A file rather than an inline script, so the CSP can stay script-src 'self'
  "swagger-initializer.js": {
    body: `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
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
  },
};

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
