import { type Kysely, sql } from "kysely";

/**
 * An expiry per webhook signing secret: a rotation keeps the previous secrets signing for a while
 * so receivers can switch, then they stop. Each entry of `webhook_endpoints.secrets` becomes
 * `{ "sealed": …, "expires_at": null | timestamp }`; the secrets stored so far never expire. Entries
 * already in that shape are left alone, so the step can run again after a failure.
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update webhook_endpoints set secrets = coalesce(
      (select jsonb_agg(
          case when jsonb_typeof(s.entry) = 'string'
            then jsonb_build_object('sealed', s.entry #>> '{}', 'expires_at', null)
            else s.entry end
          order by s.position)
       from jsonb_array_elements(secrets) with ordinality as s(entry, position)),
      '[]'::jsonb)`.execute(db);
}

/** Back to plain sealed secrets; the expired ones are dropped, or they would sign again. */
// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update webhook_endpoints set secrets = coalesce(
      (select jsonb_agg(case when jsonb_typeof(s.entry) = 'object' then s.entry -> 'sealed' else s.entry end
          order by s.position)
       from jsonb_array_elements(secrets) with ordinality as s(entry, position)
       where jsonb_typeof(s.entry) <> 'object' or s.entry ->> 'expires_at' is null
         or (s.entry ->> 'expires_at')::timestamptz > now()),
      '[]'::jsonb)`.execute(db);
}
