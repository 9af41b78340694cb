/**
 * EdDSA and ES256 access tokens from a live server (the development sandbox on a real socket)
 * verified by another process that holds no secret: jose's createRemoteJWKSet against the
 * served JWKS.
 */
import { sql } from "kysely";
import { base64 } from "../../src/encoding.ts";
import { headerOf } from "../helpers/claims.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { runningServer, verifiedAccount } from "../helpers/accounts.ts";
import { postJson } from "../helpers/http.ts";
import { startSandbox } from "../helpers/sandbox.ts";

const RESOURCE_SERVER = new URL("../helpers/resource-server.ts", import.meta.url).pathname;

/** Starts the resource server process; returns its URL and how to stop it. */
async function startResourceServer(jwksUrl: string, issuer: string) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", RESOURCE_SERVER, jwksUrl, issuer],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the resource server exited before listening");
    buffer += value;
  }
  const { listening } = JSON.parse(buffer.split("\n")[0]);
  return {
    url: `http://127.0.0.1:${listening}`,
    async stop() {
      process.kill("SIGTERM");
      await reader.cancel();
      await process.status;
    },
  };
}

/** One database for the module (PGlite takes seconds to start); each test starts with no signing key. */
const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());

for (const alg of ["EdDSA", "ES256"] as const) {
  Deno.test(`GET /.well-known/jwks.json: ${alg} access tokens are verified by a resource server from the served JWKS`, async () => {
    await sql`delete from signing_keys`.execute(database.db);
    const server = await startSandbox({
      JWT_SIGNING_ALG: alg,
      KEY_ENCRYPTION_KEY: base64(crypto.getRandomValues(new Uint8Array(32))),
    }, { database });
    // As an instance starts (src/runtime.ts): development makes the first key pair of JWT_SIGNING_ALG
    await server.app.deps.keys.ensureSigningKey();
    // The issuer the server announces, as a resource server is configured with it
    const metadata = await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
    const resourceServer = await startResourceServer(`${server.url}/.well-known/jwks.json`, metadata.issuer);
    try {
      const api = runningServer(server.url);
      const { email, password } = await verifiedAccount(api, { label: alg.toLowerCase() });
      const signin = await postJson(api, "/auth/signin", { email, password });
      assertEquals(signin.status, 200);
      const { access_token: token } = await signin.json();
      const header = headerOf(token);
      assertEquals(header.alg, alg);

      const verified = await fetch(resourceServer.url, { headers: { Authorization: `Bearer ${token}` } });
      assertEquals(verified.status, 200);
      const claims = await verified.json();
      assertEquals([claims.kid, claims.alg], [header.kid, alg]);

      const me = await fetch(`${server.url}/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
      assertEquals([me.status, (await me.json()).id], [200, claims.sub]);

      const [head, payload, signature] = token.split(".");
      const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
      const forged = await fetch(resourceServer.url, {
        headers: { Authorization: `Bearer ${head}.${payload}.${flipped}` },
      });
      assertEquals(forged.status, 401);
      await forged.body?.cancel();
    } finally {
      await resourceServer.stop();
      await server.close();
    }
  });
}
