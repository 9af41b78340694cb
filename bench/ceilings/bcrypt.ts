/**
 * Ceiling of sign-in: one bcrypt verify through @node-rs/bcrypt (off the event loop) of the
 * posted password against a hash at the benchmarked cost. No database, no tokens.
 */
import { verify } from "@node-rs/bcrypt";
import { json, setting } from "./gate.ts";

const passwordHash = setting("PASSWORD_HASH");

async function signin(request: Request): Promise<Response> {
  const body = await request.json().catch(() => ({})) as { password?: unknown };
  const matches = typeof body.password === "string" && await verify(body.password, passwordHash);
  return matches ? json({ ok: true }) : json({ code: "invalid_credentials" }, 401);
}

Deno.serve({ hostname: "127.0.0.1", port: Number(setting("PORT")), onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/ready") return json({ ready: true });
  return signin(request);
});
