import { type Kysely, sql } from "kysely";

/**
 * Runs outside a transaction, one short transaction per step, so no lock that stops writes to
 * `users` or `email_otps` is held while rows are read or copied. In one transaction, creating
 * pending_signups (its foreign key takes SHARE ROW EXCLUSIVE on `users`) and then reading every
 * user for the backfill blocked sign-ups and token checks for the whole scan: 693–950 ms at a
 * million users (docs/architecture.md, "Migrations"). Each step can run again after a failure. src/db/migrate.ts
 * reads this flag.
 */
export const transactional = false;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // Each sign-up of an unverified address keeps the password hash and name it chose; verifying
  // with one of its codes applies exactly that sign-up. Created empty, so its foreign key locks
  // `users` only for the moment of the DDL
  await db.transaction().execute(async (trx) => {
    await trx.schema
      .createTable("pending_signups")
      .ifNotExists()
      .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
      .addColumn("password_hash", "text", (col) => col.notNull())
      .addColumn("name", "text")
      .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
      .execute();
    await trx.schema.createIndex("pending_signups_user_idx").ifNotExists().on("pending_signups")
      .columns(["user_id", "created_at"]).execute();
  });
  // An unverified account keeps the sign-up that created it; its name waits for verification.
  // Reads `users` and writes only the unverified rows: other writes go on
  await db.transaction().execute(async (trx) => {
    await sql`
      insert into pending_signups (user_id, password_hash, name, created_at)
      select id, password_hash, name, created_at from users u
      where not email_verified and not exists (select 1 from pending_signups s where s.user_id = u.id)`.execute(trx);
    await sql`update users set name = null where not email_verified and name is not null`.execute(trx);
  });

  // The column alone is a catalog change: ACCESS EXCLUSIVE on email_otps for a moment
  await sql`alter table email_otps add column if not exists signup_id uuid`.execute(db);
  // What is left unbound belongs to verified accounts: used or dead codes. SET NOT NULL reads
  // email_otps under ACCESS EXCLUSIVE, last in its transaction: the table holds only live codes
  // (housekeeping deletes expired ones), so that read is short at any user count
  await db.transaction().execute(async (trx) => {
    await sql`
      update email_otps o set signup_id = s.id from pending_signups s
      where s.user_id = o.user_id and o.signup_id is null`.execute(trx);
    await sql`delete from email_otps where signup_id is null`.execute(trx);
    await sql`alter table email_otps alter column signup_id set not null`.execute(trx);
  });
  // The foreign key NOT VALID (no read of the table under its SHARE ROW EXCLUSIVE lock), then
  // validated on its own: VALIDATE takes SHARE UPDATE EXCLUSIVE, which lets writes go on
  await sql`
    alter table email_otps drop constraint if exists email_otps_signup_id_fkey,
      add constraint email_otps_signup_id_fkey foreign key (signup_id) references pending_signups (id)
      on delete cascade not valid`.execute(db);
  await sql`alter table email_otps validate constraint email_otps_signup_id_fkey`.execute(db);
  // A concurrent build that failed leaves an invalid index behind: drop it and build again
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = 'email_otps_signup_id_idx' and c.relnamespace = current_schema()::regnamespace`.execute(db);
  if (rows[0] && !rows[0].valid) await sql`drop index concurrently if exists email_otps_signup_id_idx`.execute(db);
  await sql`create index concurrently if not exists email_otps_signup_id_idx on email_otps (signup_id)`.execute(db);
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
