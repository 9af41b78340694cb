import { type Kysely, sql } from "kysely";

/**
 * Activity mails: each account's digest (when the next mail may go, and the mail still waiting
 * in the outbox that later notices join), the "this wasn't me" token among the mailed account
 * tokens, and on a sign-in's challenge whether it came from a known device.
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("activity_digests")
    .addColumn("user_id", "uuid", (col) => col.primaryKey().references("users.id").onDelete("cascade"))
    // No activity mail is sent before this: one per account per window
    .addColumn("next_mail_at", "timestamptz", (col) => col.notNull())
    // The outbox row notices join until a worker claims it (no foreign key: sent rows are pruned)
    .addColumn("open_mail_id", "uuid")
    // The HMAC of the "this wasn't me" token the open mail carries, replaced when the mail is rewritten
    .addColumn("open_token_hash", "text")
    // What the open mail tells: { notices: [oldest first], omitted: count beyond them }
    .addColumn("notices", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // NOT VALID: existing rows already satisfy it, and no scan holds the table
  await sql`alter table account_tokens drop constraint if exists account_tokens_purpose_check`.execute(db);
  await sql`alter table account_tokens add constraint account_tokens_purpose_check
    check (purpose in ('email_change_revert', 'deletion_cancel', 'not_me')) not valid`.execute(db);

  // A constant default: no rewrite of the table
  await db.schema
    .alterTable("mfa_challenges")
    .addColumn("device_known", "boolean", (col) => col.notNull().defaultTo(false))
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("mfa_challenges").dropColumn("device_known").execute();
  await sql`delete from account_tokens where purpose = 'not_me'`.execute(db);
  await sql`alter table account_tokens drop constraint if exists account_tokens_purpose_check`.execute(db);
  await sql`alter table account_tokens add constraint account_tokens_purpose_check
    check (purpose in ('email_change_revert', 'deletion_cancel')) not valid`.execute(db);
  await db.schema.dropTable("activity_digests").execute();
}
