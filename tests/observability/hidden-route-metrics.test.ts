import { assert } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";

const TOKEN = "m".repeat(32);

async function series(t: Awaited<ReturnType<typeof createTestApp>>): Promise<string> {
  const response = await t.app.request("/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } });
  return await response.text();
}

Deno.test("metrics: Swagger UI and the account pages count under their own operations, not as unmatched", async () => {
  const t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  try {
    for (const path of ["/docs", "/account/reset-password"]) {
      const response = await t.app.request(path);
      assert(response.status === 200, `${path}: ${response.status}`);
      await response.body?.cancel();
    }
    const text = await series(t);
    assert(text.includes('http_requests_total{operation="getDocs",status="200"} 1'), text);
    assert(text.includes('http_requests_total{operation="getAccountPage",status="200"} 1'), text);
    assert(!text.includes('operation="unmatched",status="200"'), text);
  } finally {
    await t.close();
  }
});
