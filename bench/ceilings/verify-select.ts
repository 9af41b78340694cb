/**
 * Ceiling of a token-checked request: one jose HS256 verify with a CryptoKey imported once,
 * then one primary-key select of the user row through postgres.js. Nothing else.
 */
import { jwtVerify } from "jose";
import postgres from "postgres";
import { createGate, json, setting } from "./gate.ts";

const poolSize = Number(setting("DATABASE_POOL_SIZE"));
const sql = postgres(setting("DATABASE_URL"), { max: poolSize, onnotice: () => {} });
const gated = createGate(poolSize);
const key = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(setting("JWT_SECRET")),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);

async function me(request: Request): Promise<Response> {
  const token = request.headers.get("authorization")?.slice("Bearer ".length) ?? "";
  let userId: string;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
    userId = String(payload.sub);
  } catch {
    return json({ code: "invalid_token" }, 401);
  }
  const [user] = await gated(() =>
    sql`select id, email, name, email_verified, created_at from users where id = ${userId}`
  );
  return user ? json(user) : json({ code: "invalid_token" }, 401);
}

Deno.serve({ hostname: "127.0.0.1", port: Number(setting("PORT")), onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/ready") return json({ ready: true });
  return me(request);
});
