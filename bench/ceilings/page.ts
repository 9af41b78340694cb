/**
 * Ceiling of the first page of a user's list: one HS256 verify with a key imported once, then
 * only the page's statement through postgres.js (GET /auth/sessions: 50 live sessions; GET
 * /auth/security-events: 20 events), newest first, as the service's keyset pages read them.
 */
import { jwtVerify } from "jose";
import postgres from "postgres";
import { createGate, json, setting } from "./gate.ts";

const poolSize = Number(setting("DATABASE_POOL_SIZE"));
// Idle connections close after 5 s: a scale run keeps a ceiling per size, and only the one under load needs them
const sql = postgres(setting("DATABASE_URL"), { max: poolSize, idle_timeout: 5, onnotice: () => {} });
const gated = createGate(poolSize);
const key = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(setting("JWT_SECRET")),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);

function sessions(userId: string) {
  return sql`
    select id, created_at, last_used_at, ip, user_agent from sessions
    where user_id = ${userId} and revoked_at is null and expires_at > now()
    order by created_at desc, id desc limit 51`;
}

function events(userId: string) {
  return sql`
    select id, type, ip, user_agent, request_id, created_at from security_events
    where user_id = ${userId} order by created_at desc, id desc limit 21`;
}

async function page(request: Request, path: string): Promise<Response> {
  const token = request.headers.get("authorization")?.slice("Bearer ".length) ?? "";
  let userId: string;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
    userId = String(payload.sub);
  } catch {
    return json({ code: "invalid_token" }, 401);
  }
  const rows = await gated(() => path === "/auth/sessions" ? sessions(userId) : events(userId));
  return json({ items: rows.slice(0, path === "/auth/sessions" ? 50 : 20) });
}

Deno.serve({ hostname: "127.0.0.1", port: Number(setting("PORT")), onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/ready") return json({ ready: true });
  return page(request, path);
});
