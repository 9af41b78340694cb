import { assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";

const t = await createTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "1000", RATE_LIMIT_PUBLIC_PER_MINUTE: "1000" } });

Deno.test("hostile input: an asset name from Object.prototype is a 404, not a 500", async () => {
  for (const name of ["constructor", "valueOf", "__proto__", "toString", "hasOwnProperty"]) {
    const response = await t.request(`/docs/assets/${name}`);
    assertEquals(response.status, 404, name);
    await response.body?.cancel();
  }
});

Deno.test("hostile input: NUL and control characters in a name or password are a 422, not a 500", async () => {
  const bodies = [
    { email: "nul-name@example.com", password: "long enough password", name: "a\u0000b" },
    { email: "ctl-name@example.com", password: "long enough password", name: "line\nbreak" },
    { email: "nul-pass@example.com", password: "long enough\u0000password" },
  ];
  for (const body of bodies) {
    const response = await t.request("/auth/signup", jsonBody(body));
    assertEquals(response.status, 422, JSON.stringify(body));
    assertEquals((await response.json()).code, "validation_failed");
  }
});

Deno.test.afterAll(async () => {
  await t.close();
});
