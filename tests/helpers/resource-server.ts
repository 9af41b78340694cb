/**
 * A resource server of its own process, as another service of the Jessy backend would be:
 * it knows only the auth service's JWKS URL and issuer, and verifies bearer tokens with
 * jose's createRemoteJWKSet. Prints `{"listening": port}` once ready.
 *
 *   deno run --allow-net tests/helpers/resource-server.ts <jwks-url> <issuer>
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";

const [jwksUrl, issuer] = Deno.args;
const jwks = createRemoteJWKSet(new URL(jwksUrl));

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(JSON.stringify({ listening: port })),
}, async (request) => {
  const token = request.headers.get("Authorization")?.replace(/^Bearer /, "") ?? "";
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: "jessy-api",
      typ: "at+jwt",
      algorithms: ["EdDSA", "ES256"],
      requiredClaims: ["exp", "sub", "sid"],
    });
    return Response.json({ sub: payload.sub, sid: payload.sid, kid: protectedHeader.kid, alg: protectedHeader.alg });
  } catch (error) {
    return Response.json({ error: error instanceof errors.JOSEError ? error.code : String(error) }, { status: 401 });
  }
});
