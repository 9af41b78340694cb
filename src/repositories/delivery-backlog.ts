import type { Executor } from "../db/schema.ts";
import type { DeliveryBacklog } from "../observer.ts";

/** A durable-delivery table at a glance: rows per status and when the oldest pending one was queued. */
export async function deliveryBacklog(
  db: Executor,
  table: "mail_outbox" | "webhook_deliveries",
): Promise<DeliveryBacklog> {
  const rows = await db
    .selectFrom(table)
    .select((eb) => [
      "status",
      eb.fn.countAll<string | number | bigint>().as("count"),
      eb.fn.min("created_at").as("oldest"),
    ])
    .groupBy("status")
    .execute();
  const counts = { pending: 0, sent: 0, failed: 0 };
  let oldestPendingAt: Date | null = null;
  for (const row of rows) {
    counts[row.status] = Number(row.count);
    if (row.status === "pending" && row.oldest) oldestPendingAt = new Date(row.oldest);
  }
  return { counts, oldestPendingAt };
}
