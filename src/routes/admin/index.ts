import { createRouter } from "../../http/router.ts";
import * as handlers from "./admin.handlers.ts";
import * as routes from "./admin.routes.ts";
import * as webhookHandlers from "./webhooks.handlers.ts";
import * as webhookRoutes from "./webhooks.routes.ts";

/** The admin API, webhook subscriptions and token introspection, authorised by admin API keys. */
export function adminRouter() {
  return createRouter()
    .openapi(routes.listUsers, handlers.listUsers)
    .openapi(routes.getUser, handlers.getUser)
    .openapi(routes.disableUser, handlers.disableUser)
    .openapi(routes.enableUser, handlers.enableUser)
    .openapi(routes.signOutUser, handlers.signOutUser)
    .openapi(routes.sendPasswordReset, handlers.sendPasswordReset)
    .openapi(routes.deleteUser, handlers.deleteUser)
    .openapi(routes.listEvents, handlers.listEvents)
    .openapi(routes.introspect, handlers.introspect)
    .openapi(webhookRoutes.createWebhook, webhookHandlers.createWebhook)
    .openapi(webhookRoutes.listWebhooks, webhookHandlers.listWebhooks)
    .openapi(webhookRoutes.deleteWebhook, webhookHandlers.deleteWebhook)
    .openapi(webhookRoutes.rotateWebhookSecret, webhookHandlers.rotateWebhookSecret)
    .openapi(webhookRoutes.testWebhook, webhookHandlers.testWebhook)
    .openapi(webhookRoutes.listWebhookDeliveries, webhookHandlers.listWebhookDeliveries)
    .openapi(webhookRoutes.redeliverWebhook, webhookHandlers.redeliverWebhook);
}
