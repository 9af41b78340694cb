/**
 * Ceiling of refresh rotation: the rotation transaction alone, with the statements the
 * service runs (consume the presented token, read the session and the user, insert the
 * successor, link it, touch the session) and no JWT: tokens are opaque `<row id>.<secret>`.
 * The refresh reuse grace is work every rotation must do, so the ceiling does it too: the
 * successor pair sealed under a key derived from the presented token (the service's own
 * sealSuccessor, over a pair as long as the service's signed one), kept in refresh_successors
 * by the consuming statement with the digest of the client it is kept for, and the session's
 * pairs older than the window erased.
 */
import postgres from "postgres";
import { sha256Hex } from "../../src/services/secrets.ts";
import { refreshClient } from "../../src/services/sessions/refresh-client.ts";
import { sealSuccessor } from "../../src/services/sessions/successor-seal.ts";
import { createGate, json, setting } from "./gate.ts";

const poolSize = Number(setting("DATABASE_POOL_SIZE"));
const sql = postgres(setting("DATABASE_URL"), { max: poolSize, onnotice: () => {} });
const gated = createGate(poolSize);
const TTL_MS = 30 * 24 * 3600 * 1000;

const GRACE_MS = 10_000;
// As long as an access token the service signed in this run (bench/run.ts passes its length)
const ACCESS_TOKEN_STAND_IN = "x".repeat(Number(setting("ACCESS_TOKEN_LENGTH")));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function rotate(token: string, tokenHash: string, client: string): Promise<string | undefined> {
  const id = token.split(".")[0];
  if (!UUID.test(id)) return Promise.resolve(undefined);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + TTL_MS);
  const successorId = crypto.randomUUID();
  const successor = `${successorId}.${crypto.randomUUID()}`;
  const sealed = sealSuccessor(token, {
    access_token: ACCESS_TOKEN_STAND_IN,
    refresh_token: successor,
    token_type: "Bearer",
    expires_in: 900,
  });
  return gated(() =>
    sql.begin(async (tx) => {
      const [consumed] = await tx`
        with consumed as (
          update refresh_tokens set consumed_at = ${now}
          where id = ${id} and token_hash = ${tokenHash} and consumed_at is null and expires_at > ${now}
          returning id, session_id, user_id, consumed_at),
        kept as (
          insert into refresh_successors (token_id, session_id, sealed, consumed_at, client)
          select id, session_id, ${sealed}, consumed_at, ${client} from consumed)
        select id, session_id, user_id from consumed`;
      if (!consumed) return undefined;
      const [session] = await tx`
        select id, revoked_at, expires_at from sessions where id = ${consumed.session_id} and user_id = ${consumed.user_id}`;
      const [user] = await tx`select id, token_version from users where id = ${consumed.user_id}`;
      if (!session || session.revoked_at || !user) return undefined;
      await tx`
        insert into refresh_tokens (id, session_id, user_id, token_hash, created_at, expires_at)
        values (${successorId}, ${consumed.session_id}, ${consumed.user_id}, ${sha256Hex(successor)}, ${now},
                ${expiresAt})`;
      await tx`update refresh_tokens set replaced_by = ${successorId} where id = ${consumed.id}`;
      // One statement, as the service's: touch the session, erase its seals older than the window
      await tx`
        with grace_over as (
          delete from refresh_successors
          where session_id = ${consumed.session_id} and consumed_at <= ${new Date(now.getTime() - GRACE_MS)})
        update sessions set last_used_at = ${now}, expires_at = ${expiresAt}, use_count = use_count + 1
        where id = ${consumed.session_id}`;
      return successor;
    })
  );
}

async function refresh(request: Request): Promise<Response> {
  const body = await request.json().catch(() => ({})) as { refresh_token?: unknown };
  const token = typeof body.refresh_token === "string" ? body.refresh_token : "";
  const client = refreshClient({ ip: null, userAgent: request.headers.get("User-Agent") });
  const successor = await rotate(token, sha256Hex(token), client);
  return successor ? json({ refresh_token: successor }) : json({ code: "invalid_token" }, 401);
}

Deno.serve({ hostname: "127.0.0.1", port: Number(setting("PORT")), onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/ready") return json({ ready: true });
  return refresh(request);
});
