/**
 * Ceiling of a token-checked request: one jose verify with a key imported once (HS256 with
 * JWT_SECRET; EdDSA or ES256 with JWT_PUBLIC_JWK when JWT_ALG names one), then one
 * primary-key select of the user row through postgres.js. With REDIS_URL, also the one Redis
 * round trip a shared rate limit needs (an EVALSHA of the same sliding-window script), which
 * the service with the Redis store cannot avoid either. Nothing else.
 */
import { importJWK, jwtVerify } from "jose";
import postgres from "postgres";
import { createGate, json, setting } from "./gate.ts";
import { createSlidingWindow } from "./sliding-window.ts";

const poolSize = Number(setting("DATABASE_POOL_SIZE"));
// Idle connections close after 5 s: a scale run keeps a ceiling per size, and only the one under load needs them
const sql = postgres(setting("DATABASE_URL"), { max: poolSize, idle_timeout: 5, onnotice: () => {} });
const gated = createGate(poolSize);
const redisUrl = Deno.env.get("REDIS_URL");
const rateLimit = redisUrl ? await createSlidingWindow(redisUrl, 100_000, 60_000) : undefined;
const alg = Deno.env.get("JWT_ALG") ?? "HS256";
const key = alg === "HS256"
  ? await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(setting("JWT_SECRET")),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  )
  : await importJWK(JSON.parse(setting("JWT_PUBLIC_JWK")), alg);

async function me(request: Request): Promise<Response> {
  const token = request.headers.get("authorization")?.slice("Bearer ".length) ?? "";
  let userId: string;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [alg] });
    userId = String(payload.sub);
  } catch {
    return json({ code: "invalid_token" }, 401);
  }
  await rateLimit?.count(userId);
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
