/**
 * One reading of `Authorization: Bearer <token>` (RFC 6750 §2.1) for access tokens, admin keys,
 * /health's details and /metrics: the same headers are accepted, and refused, everywhere.
 */
import { ConfigError, loadConfig } from "../../src/config.ts";
import { bearerToken } from "../../src/http/bearer-token.ts";
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { assertEquals, assertThrows } from "../helpers/assert.ts";

const METRICS_TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";

Deno.test("bearerToken: the scheme in any case, one or more spaces, then a b64token", () => {
  const accepted: [string, string][] = [
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["BEARER   abc", "abc"],
    ["Bearer a.b-c_d~e+f/g==", "a.b-c_d~e+f/g=="],
    ["Bearer jak_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", "jak_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"],
  ];
  for (const [header, token] of accepted) assertEquals(bearerToken(header), token, header);
  const refused = [
    undefined,
    "",
    "abc",
    "Basic abc",
    "Bearer",
    "Bearer ",
    "Bearerabc",
    "Bearer\tabc",
    "Bearer abc def",
    "Bearer abc=def",
    "Bearer =abc",
    "Bearer abc!",
    "Bearer ab%20c",
    "Bearer abcé",
  ];
  for (const header of refused) assertEquals(bearerToken(header), undefined, String(header));
});

Deno.test("GET /auth/me, GET /admin/users and GET /metrics read the Authorization header alike", async () => {
  const app = await createTestApp({ env: { ...ADMIN_TEST_ENV, METRICS_TOKEN } });
  try {
    const pair = await newSession(app, await insertedUser(app.database.db, "bearer-syntax"));
    const routes = [
      ["/auth/me", pair.access_token],
      ["/admin/users", await adminKey(app, ["users:read"])],
      ["/metrics", METRICS_TOKEN],
    ];
    for (const [path, token] of routes) {
      const statusWith = async (authorization: string) => {
        // app.app: /metrics is outside the spec the test app checks answers against
        const response = await app.app.request(path, { headers: { Authorization: authorization } });
        await response.body?.cancel();
        return response.status;
      };
      assertEquals(await statusWith(`Bearer ${token}`), 200, path);
      assertEquals(await statusWith(`bearer  ${token}`), 200, `${path}: RFC 6750 allows any case and 1*SP`);
      for (const header of [`Bearer\t${token}`, `Bearer ${token} x`, `Basic ${token}`, `Bearer ${token}!`]) {
        assertEquals(await statusWith(header), 401, `${path}: ${header}`);
      }
    }
  } finally {
    await app.close();
  }
});

Deno.test("loadConfig refuses a HEALTH_DETAILS_TOKEN or METRICS_TOKEN no Authorization header can carry", () => {
  for (const name of ["HEALTH_DETAILS_TOKEN", "METRICS_TOKEN"]) {
    for (const token of ["token with spaces and 32 bytes or more", "token!with$symbols&and#32-bytes-or-more"]) {
      const error = assertThrows(() => loadConfig({ [name]: token }), ConfigError);
      assertEquals(error.problems, [`${name} must be a bearer token: letters, digits and -._~+/ (then = padding)`]);
    }
  }
  const base64 = "b3BlbnNzbCtyYW5kL2Jhc2U2NC90b2tlbgo+/w==";
  assertEquals(loadConfig({ HEALTH_DETAILS_TOKEN: base64 }).config.healthDetailsToken, base64);
  assertEquals(loadConfig({ METRICS_TOKEN: base64 }).config.metrics.token, base64);
});
