/**
 * The cost of one access-token verification per algorithm, as the service does it: jose's
 * jwtVerify with a CryptoKey imported once, claims checked. One verification at a time on
 * one core (`taskset -c 0 deno run -A bench/verify-cost.ts` to pin it); prints µs each.
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";

const SECONDS = Number(Deno.args[0] ?? 3);
const claims = { sid: crypto.randomUUID(), ver: 0 };

async function keysFor(alg: "HS256" | "EdDSA" | "ES256") {
  if (alg === "HS256") {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("bench-access-secret-0123456789abcdef0123456789"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    return { sign: key, verify: key };
  }
  const pair = await generateKeyPair(alg, { extractable: true });
  // Imported from its JWK, as the key ring does
  return { sign: pair.privateKey, verify: await importJWK(await exportJWK(pair.publicKey), alg) as CryptoKey };
}

for (const alg of ["HS256", "EdDSA", "ES256"] as const) {
  const keys = await keysFor(alg);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg, kid: "bench", typ: "at+jwt" })
    .setSubject(crypto.randomUUID()).setJti(crypto.randomUUID()).setIssuer("https://api.example")
    .setAudience("jessy-api").setIssuedAt().setExpirationTime("1h")
    .sign(keys.sign);
  const options = { algorithms: [alg], issuer: "https://api.example", audience: "jessy-api", typ: "at+jwt" };
  for (const end = performance.now() + 1000; performance.now() < end;) await jwtVerify(token, keys.verify, options);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    await jwtVerify(token, keys.verify, options);
    count++;
  }
  const micros = (performance.now() - started) * 1000 / count;
  console.log(`${alg.padEnd(5)}  ${micros.toFixed(1).padStart(6)} µs per verify  (${Math.round(1e6 / micros)}/s)`);
}
