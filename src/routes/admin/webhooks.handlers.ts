import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { adminActorOf } from "../../http/request-context.ts";
import type * as routes from "./webhooks.routes.ts";

export const createWebhook: RouteHandler<typeof routes.createWebhook, AppEnv> = async (c) => {
  return c.json(await c.get("deps").webhooks.create(c.req.valid("json"), adminActorOf(c)), 201);
};

export const listWebhooks: RouteHandler<typeof routes.listWebhooks, AppEnv> = async (c) => {
  return c.json({ data: await c.get("deps").webhooks.list() }, 200);
};

export const deleteWebhook: RouteHandler<typeof routes.deleteWebhook, AppEnv> = async (c) => {
  await c.get("deps").webhooks.remove(c.req.valid("param").id, adminActorOf(c));
  return c.body(null, 204);
};

export const rotateWebhookSecret: RouteHandler<typeof routes.rotateWebhookSecret, AppEnv> = async (c) => {
  return c.json(await c.get("deps").webhooks.rotateSecret(c.req.valid("param").id, adminActorOf(c)), 200);
};

export const testWebhook: RouteHandler<typeof routes.testWebhook, AppEnv> = async (c) => {
  return c.json(await c.get("deps").webhooks.sendTest(c.req.valid("param").id, adminActorOf(c)), 202);
};

export const listWebhookDeliveries: RouteHandler<typeof routes.listWebhookDeliveries, AppEnv> = async (c) => {
  const deliveries = await c.get("deps").webhooks.deliveries(c.req.valid("param").id, c.req.valid("query").limit);
  return c.json({ data: deliveries }, 200);
};

export const redeliverWebhook: RouteHandler<typeof routes.redeliverWebhook, AppEnv> = async (c) => {
  return c.json(await c.get("deps").webhooks.redeliver(c.req.valid("param").id, adminActorOf(c)), 202);
};
