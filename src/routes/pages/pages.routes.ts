/**
 * The account pages mailed links open. They are routes like any other (tier, middleware,
 * typed handler) but `hide`s keeps them out of the OpenAPI document: they answer HTML to a
 * person's browser, not JSON to a client, and a generated SDK would only grow a
 * `getAccountPage` nobody should call. The JSON routes they post to are the contract;
 * docs/account-pages.md describes the pages.
 * @module
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

const HTML = { "text/html": { schema: z.string() } };
const pageParams = z.object({ page: z.string().max(64) });

export const passkeysPage = defineRoute({
  method: "get",
  path: "/account/passkeys",
  operationId: "getPasskeysPage",
  hide: true,
  summary: "Passkey page: register and sign-in buttons",
  tier: "public",
  responses: { 200: { description: "The page", content: HTML } },
});

export const page = defineRoute({
  method: "get",
  path: "/account/{page}",
  operationId: "getAccountPage",
  hide: true,
  summary: "Account page",
  description: "Reads nothing and changes nothing: a mail scanner that opens the link spends no token.",
  tier: "public",
  request: { params: pageParams },
  responses: { 200: { description: "The page", content: HTML } },
});

export const submitPage = defineRoute({
  method: "post",
  path: "/account/{page}",
  operationId: "submitAccountPage",
  hide: true,
  summary: "Account page form, sent without scripts",
  description: "The form post of a browser running no script: the same service call as the JSON route, " +
    "answered with the page. Only a post from the page's own origin is taken.",
  tier: "auth",
  rateLimitKey: "ip",
  request: { params: pageParams },
  responses: { 200: { description: "The page with the outcome", content: HTML } },
});

export const asset = defineRoute({
  method: "get",
  path: "/account/assets/{file}",
  operationId: "getAccountPageAsset",
  hide: true,
  summary: "Account page script or stylesheet",
  tier: "public",
  request: { params: z.object({ file: z.string().max(64) }) },
  responses: { 200: { description: "Asset", content: { "text/css": { schema: z.string() } } } },
});
