/**
 * What a receiving team does with the spec: openapi-typescript compiles its `webhooks` object
 * into payload types (in a temporary directory; nothing generated is committed), `deno check`
 * type-checks a receiver that reads every field through them, and that receiver then verifies
 * and handles real deliveries.
 */
// The TypeScript openapi-typescript loads as its peer, pinned as the client tests pin it
import type {} from "npm:typescript@5.9.3";
import openapiTS, { astToString } from "npm:openapi-typescript@7.13.0";
import { createTestDatabase } from "../helpers/database.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { bearer, jsonOf, postJson } from "../helpers/http.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";
import { RECEIVER_HOST, webhooksApp } from "./_helpers.ts";

const ROOT = new URL("../../", import.meta.url);
const SPEC = new URL("openapi/openapi.json", ROOT);
const TEMPLATE = new URL("fixtures/typed-receiver.ts.template", import.meta.url);
/** The tests' lock: deno.lock pins the service's packages alone */
const TESTS_LOCK = new URL("tests/deno.lock", ROOT).pathname;

interface Handled {
  id: string;
  type: string;
  at: string;
  user?: string;
  email?: string;
  reason?: string;
  endpoint?: string;
}
interface ReceiverModule {
  receiver(secret: string, handled: Handled[]): (request: Request) => Promise<Response>;
}

async function denoCheck(file: string): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, "--lock", TESTS_LOCK, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert(output.success, `deno check failed:\n${text}`);
}

const database = await createTestDatabase();

Deno.test({
  name:
    "webhooks typed by openapi-typescript: a receiver using the generated payload types passes deno check and handles POST /auth/signup, POST /auth/logout, POST /admin/webhooks/{id}/test and an erasure",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "jessy-webhook-types-" });
    const app = await webhooksApp(database);
    let server: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      const schema = astToString(await openapiTS(SPEC));
      assert(schema.includes("export interface webhooks {"), "openapi-typescript emits the webhooks object");
      await Deno.writeTextFile(`${dir}/schema.d.ts`, schema);
      await Deno.copyFile(TEMPLATE, `${dir}/receiver.ts`);
      await denoCheck(`${dir}/receiver.ts`);

      const typed: ReceiverModule = await import(new URL(`file://${dir}/receiver.ts`).href);
      const handled: Handled[] = [];
      let handler: (request: Request) => Promise<Response> = () => Promise.resolve(new Response(null, { status: 503 }));
      server = Deno.serve({ hostname: RECEIVER_HOST, port: 0, onListen() {} }, (request) => handler(request));
      const endpoint = await app.subscribe(`http://${RECEIVER_HOST}:${server.addr.port}/typed`, [
        "user.created",
        "session.revoked",
        "user.deleted",
        "webhook.test",
      ]);
      handler = typed.receiver(endpoint.secret, handled);

      const email = uniqueEmail("typed");
      assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
      const user = await database.db.selectFrom("users").select("id").where("email", "=", email)
        .executeTakeFirstOrThrow();
      await app.worker.runOnce();
      await database.db.updateTable("users").set({ email_verified: true }).where("id", "=", user.id).execute();
      const { body: pair } = await jsonOf(postJson(app, "/auth/signin", { email, password: PASSWORD }));
      const logout = await app.request("/auth/logout", bearer(pair.access_token, { method: "POST" }));
      assertEquals(logout.status, 204);
      await app.worker.runOnce();
      const test = await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }));
      assertEquals(test.status, 202);
      await app.worker.runOnce();
      const erase = await app.request(`/admin/users/${user.id}?immediate=true`, bearer(app.key, { method: "DELETE" }));
      assertEquals(erase.status, 202);
      await app.worker.runOnce();

      const mine = handled.filter((event) => event.user === user.id || event.endpoint === endpoint.id);
      assertEquals(mine.map(({ id: _, at: __, ...rest }) => rest), [
        { type: "user.created", user: user.id, email },
        { type: "session.revoked", user: user.id, reason: "logout" },
        { type: "webhook.test", endpoint: endpoint.id },
        { type: "user.deleted", user: user.id },
      ]);
      assert(mine.every((event) => event.id.startsWith("msg_") && !Number.isNaN(Date.parse(event.at))));
    } finally {
      await server?.shutdown();
      await app.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
