import { type Kysely, sql } from "kysely";

/**
 * An expiry per webhook signing secret: a rotation keeps the previous secrets signing for a while
 * so receivers can switch, then they stop. Each entry of `webhook_endpoints.secrets` becomes
 * `{ "sealed": …, "expires_at": null | timestamp }`; the secrets stored so far never expire.
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update webhook_endpoints set secrets = coalesce(
      (select jsonb_agg(jsonb_build_object('sealed', s.sealed, 'expires_at', null) order by s.position)
       from jsonb_array_elements_text(secrets) with ordinality as s(sealed, position)),
      '[]'::jsonb)`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update webhook_endpoints set secrets = coalesce(
      (select jsonb_agg(s.entry ->> 'sealed' order by s.position)
       from jsonb_array_elements(secrets) with ordinality as s(entry, position)),
      '[]'::jsonb)`.execute(db);
}
