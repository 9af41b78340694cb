import { assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { bearer, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

/** Every operation of the committed contract that takes a credential in `Authorization`. */
async function credentialedOperations(): Promise<Array<{ method: string; path: string }>> {
  const spec = JSON.parse(await Deno.readTextFile(new URL("../../openapi/openapi.json", import.meta.url)));
  const operations = [];
  for (const [path, item] of Object.entries<Record<string, { security?: Record<string, string[]>[] }>>(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (schemes.includes("bearerAuth") || schemes.includes("adminApiKey")) {
        operations.push({ method: method.toUpperCase(), path });
      }
    }
  }
  return operations;
}

Deno.test("POST /auth/mfa/verify's mfa_token is no credential anywhere else: every bearer and admin route, POST /auth/refresh and POST /oauth/introspect refuse it", async () => {
  const app = await accountsApp(database, smtp, {
    env: { RATE_LIMIT_GENERAL_PER_MINUTE: "10000", RATE_LIMIT_SENSITIVE_PER_MINUTE: "10000" },
  });
  try {
    const account = await enrolledAccount(app, "scope");
    const token = await mfaToken(app, account.email, PASSWORD);
    const operations = await credentialedOperations();
    assertEquals(operations.length > 30, true, `${operations.length} operations found`);
    const accepted: string[] = [];
    for (const { method, path } of operations) {
      const url = path.replaceAll(/\{[^}]+\}/g, crypto.randomUUID());
      const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}` } };
      if (method !== "GET" && method !== "DELETE") {
        init.body = "{}";
        (init.headers as Record<string, string>)["Content-Type"] = "application/json";
      }
      const response = await app.request(url, init);
      if (response.status !== 401) accepted.push(`${method} ${path} → ${response.status}`);
      await response.body?.cancel();
    }
    assertEquals(accepted, [], "routes that did not answer 401 to an mfa_token");

    const asRefresh = await postJson(app, "/auth/refresh", { refresh_token: token });
    assertEquals(asRefresh.status, 401);
    await asRefresh.body?.cancel();
    const key = await adminKey(app, ["tokens:introspect"]);
    const introspected = await app.request(
      "/oauth/introspect",
      bearer(key, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }).toString(),
      }),
    );
    assertEquals(await introspected.json(), { active: false });

    // Refused everywhere else, it is still good for the one thing it is for
    const verified = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: codeNow(app, account.secret) });
    assertEquals(verified.status, 200);
    await verified.body?.cancel();
  } finally {
    await app.close();
  }
});
