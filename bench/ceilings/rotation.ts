/**
 * Ceiling of refresh rotation: the rotation transaction alone, with the statements the
 * service runs (consume the presented token, read the session and the user, insert the
 * successor, link it, touch the session) and no JWT: tokens are opaque `<row id>.<secret>`.
 */
import postgres from "postgres";
import { sha256Hex } from "../../src/services/secrets.ts";
import { createGate, json, setting } from "./gate.ts";

const poolSize = Number(setting("DATABASE_POOL_SIZE"));
const sql = postgres(setting("DATABASE_URL"), { max: poolSize, onnotice: () => {} });
const gated = createGate(poolSize);
const TTL_MS = 30 * 24 * 3600 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function rotate(token: string, tokenHash: string): Promise<string | undefined> {
  const id = token.split(".")[0];
  if (!UUID.test(id)) return Promise.resolve(undefined);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + TTL_MS);
  return gated(() =>
    sql.begin(async (tx) => {
      const [consumed] = await tx`
        update refresh_tokens set consumed_at = ${now}
        where id = ${id} and token_hash = ${tokenHash} and consumed_at is null and expires_at > ${now}
        returning id, session_id, user_id`;
      if (!consumed) return undefined;
      const [session] = await tx`
        select id, revoked_at, expires_at from sessions where id = ${consumed.session_id} and user_id = ${consumed.user_id}`;
      const [user] = await tx`select id, token_version from users where id = ${consumed.user_id}`;
      if (!session || session.revoked_at || !user) return undefined;
      const successorId = crypto.randomUUID();
      const successor = `${successorId}.${crypto.randomUUID()}`;
      await tx`
        insert into refresh_tokens (id, session_id, user_id, token_hash, created_at, expires_at)
        values (${successorId}, ${consumed.session_id}, ${consumed.user_id}, ${sha256Hex(successor)}, ${now},
                ${expiresAt})`;
      await tx`update refresh_tokens set replaced_by = ${successorId} where id = ${consumed.id}`;
      await tx`
        update sessions set last_used_at = ${now}, expires_at = ${expiresAt}, use_count = use_count + 1
        where id = ${consumed.session_id}`;
      return successor;
    })
  );
}

async function refresh(request: Request): Promise<Response> {
  const body = await request.json().catch(() => ({})) as { refresh_token?: unknown };
  const token = typeof body.refresh_token === "string" ? body.refresh_token : "";
  const successor = await rotate(token, sha256Hex(token));
  return successor ? json({ refresh_token: successor }) : json({ code: "invalid_token" }, 401);
}

Deno.serve({ hostname: "127.0.0.1", port: Number(setting("PORT")), onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/ready") return json({ ready: true });
  return refresh(request);
});
