import { type TestApp } from "../helpers/app.ts";
import { bearer, jsonBody } from "../helpers/http.ts";

/** Env for apps that send many requests: the general tier must not get in the way. */
export const MANY_REQUESTS_ENV = { RATE_LIMIT_GENERAL_PER_MINUTE: "100000", RATE_LIMIT_AUTH_PER_MINUTE: "100000" };

/** GET /auth/me with the access token. */
export function getMe(testApp: TestApp, accessToken: string): Promise<Response> {
  return testApp.request("/auth/me", bearer(accessToken));
}

/** POST /auth/refresh from a client: its User-Agent and (by default the test app's) socket address. */
export function refresh(
  testApp: TestApp,
  refreshToken: string,
  userAgent = "TestDevice/1.0",
  clientIp?: string,
): Promise<Response> {
  return testApp.request(
    "/auth/refresh",
    jsonBody({ refresh_token: refreshToken }, { "User-Agent": userAgent }),
    clientIp,
  );
}
