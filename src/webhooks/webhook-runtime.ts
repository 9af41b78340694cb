import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { DeliveryWorker } from "../delivery/durable-worker.ts";
import type { Logger } from "../logger.ts";
import type { Observer } from "../observer.ts";
import type { SecretBox } from "./signing-secrets.ts";
import { createWebhookWorker } from "./webhook-worker.ts";

/** Starts the instance's webhook worker; several instances share the deliveries through their leases. */
export function startWebhooks(
  config: Config,
  database: Database,
  clock: Clock,
  logger: Logger,
  options: { secrets: SecretBox; observer?: Observer },
): DeliveryWorker {
  const worker = createWebhookWorker({
    db: database.db,
    clock,
    logger,
    secrets: options.secrets,
    allowedHosts: config.webhookAllowedHosts,
    observer: options.observer,
  });
  worker.start();
  return worker;
}
