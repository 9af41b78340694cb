import { type Kysely, sql } from "kysely";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // The per-address mail throttle looks up the latest mail of one template to one address
  await db.schema
    .createIndex("mail_outbox_recipient_idx")
    .on("mail_outbox")
    .columns(["to_address", "template", "created_at desc"])
    .execute();
  // Claiming due mail and releasing expired leases scan pending rows only
  await db.schema
    .createIndex("mail_outbox_pending_idx")
    .on("mail_outbox")
    .column("next_attempt_at")
    .where(sql.ref("status"), "=", "pending")
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("mail_outbox_pending_idx").execute();
  await db.schema.dropIndex("mail_outbox_recipient_idx").execute();
}
