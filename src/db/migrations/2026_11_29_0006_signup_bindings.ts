import { type Kysely, sql } from "kysely";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // Each sign-up of an unverified address keeps the password hash and name it chose; verifying
  // with one of its codes applies exactly that sign-up
  await db.schema
    .createTable("pending_signups")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("password_hash", "text", (col) => col.notNull())
    .addColumn("name", "text")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("pending_signups_user_idx").on("pending_signups").columns(["user_id", "created_at"])
    .execute();
  // An unverified account keeps the sign-up that created it; its name waits for verification
  await sql`
    insert into pending_signups (user_id, password_hash, name, created_at)
    select id, password_hash, name, created_at from users where not email_verified`.execute(db);
  await sql`update users set name = null where not email_verified`.execute(db);

  await db.schema.alterTable("email_otps")
    .addColumn("signup_id", "uuid", (col) => col.references("pending_signups.id").onDelete("cascade"))
    .execute();
  await sql`update email_otps o set signup_id = s.id from pending_signups s where s.user_id = o.user_id`.execute(db);
  // What is left belongs to verified accounts: used or dead codes
  await sql`delete from email_otps where signup_id is null`.execute(db);
  await db.schema.alterTable("email_otps").alterColumn("signup_id", (col) => col.setNotNull()).execute();
  await db.schema.createIndex("email_otps_signup_id_idx").on("email_otps").column("signup_id").execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("email_otps_signup_id_idx").execute();
  await db.schema.alterTable("email_otps").dropColumn("signup_id").execute();
  // The newest sign-up's name goes back on the account, as before this migration
  await sql`
    update users u set name = s.name
    from (select distinct on (user_id) user_id, name from pending_signups order by user_id, created_at desc) s
    where s.user_id = u.id and not u.email_verified`.execute(db);
  await db.schema.dropTable("pending_signups").execute();
}
