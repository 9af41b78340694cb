import { parseIp } from "../../src/http/client-ip.ts";
import { ipSubject } from "../../src/http/rate-limit/subject.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { createProbeApp, expectPasses, expectRateLimited, signin } from "./_helpers.ts";

// On real Redis when TEST_REDIS_URL is set, on the memory store otherwise.
const redisUrl = await resolveTestRedis();
const database = await createTestDatabase();

function randomIpv4(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `${bytes[0] % 223 + 1}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

function forwardedFor(value: string): RequestInit {
  return { headers: { "X-Forwarded-For": value } };
}

Deno.test("keys: a random X-Forwarded-For per request does not escape the limit without TRUST_PROXY", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    await expectPasses(() => t.request("/security-test", forwardedFor(randomIpv4()), "203.0.113.5"), 2);
    await expectRateLimited(
      await t.request("/security-test", forwardedFor(randomIpv4()), "203.0.113.5"),
      "security_test",
    );
  } finally {
    await t.close();
  }
});

Deno.test("keys: with TRUST_PROXY=1 the right-most X-Forwarded-For address is the client", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl, env: { TRUST_PROXY: "1" } });
  const proxy = "10.0.0.2";
  try {
    // The client may prepend anything; the proxy appends the address it saw
    await expectPasses(() => t.request("/security-test", forwardedFor(`${randomIpv4()}, 198.51.100.7`), proxy), 2);
    await expectRateLimited(
      await t.request("/security-test", forwardedFor(`${randomIpv4()}, 198.51.100.7`), proxy),
      "security_test",
    );
    const other = await t.request("/security-test", forwardedFor("198.51.100.7, 198.51.100.8"), proxy);
    assertEquals(other.status, 200, "another client behind the same proxy has its own quota");
    await other.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("keys: with TRUST_PROXY=1 a port on the forwarded address is the same client, not a new one", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl, env: { TRUST_PROXY: "1" } });
  const proxy = "10.0.0.2";
  try {
    await expectPasses((i) => t.request("/security-test", forwardedFor(`198.51.100.7:${40001 + i}`), proxy), 2);
    await expectRateLimited(
      await t.request("/security-test", forwardedFor("198.51.100.7:40009"), proxy),
      "security_test",
    );
    await expectRateLimited(
      await t.request("/security-test", forwardedFor("[::ffff:198.51.100.7]:443"), proxy),
      "security_test",
    );
  } finally {
    await t.close();
  }
});

Deno.test("keys: with TRUST_PROXY=1 a forwarded entry that is not an IP counts as the socket address", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl, env: { TRUST_PROXY: "1" } });
  const proxy = "10.0.0.3";
  try {
    const junk = ["x".repeat(4096), "unknown", "127.1", "198.51.100.7:port", "host.example"];
    await expectPasses((i) => t.request("/security-test", forwardedFor(junk[i]), proxy), 2);
    await expectRateLimited(await t.request("/security-test", forwardedFor(junk[2]), proxy), "security_test");
    await expectRateLimited(await t.request("/security-test", undefined, proxy), "security_test");
  } finally {
    await t.close();
  }
});

Deno.test("keys: parseIp strips brackets and ports, normalizes IPv6, folds IPv4-mapped, refuses the rest", () => {
  assertEquals(parseIp("198.51.100.7:40001"), "198.51.100.7");
  assertEquals(parseIp("[2001:DB8:0:0::0001]:443"), "2001:db8::1");
  assertEquals(parseIp("[2001:db8::1]"), "2001:db8::1");
  assertEquals(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  assertEquals(parseIp("::ffff:198.51.100.7"), "198.51.100.7");
  assertEquals(parseIp("[::ffff:c633:6407]:1"), "198.51.100.7");
  assertEquals(parseIp("fe80::1%eth0"), "fe80::1");
  assertEquals(parseIp("::1"), "::1");
  for (
    const text of [
      "unknown",
      "",
      "127.1",
      "0x7f.0.0.1",
      "010.1.1.1",
      "256.1.1.1",
      "1:2:3",
      "1.2.3.4:",
      "x".repeat(4096),
    ]
  ) {
    assertEquals(parseIp(text), undefined, text.slice(0, 20));
  }
});

Deno.test("keys: IPv6 clients count per /64, so rotating within one network does not escape the limit", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    await expectPasses((i) => t.request("/security-test", undefined, `2001:db8:1:2::${i + 1}`), 2);
    await expectRateLimited(
      await t.request("/security-test", undefined, "2001:db8:1:2:ffff:eeee:dddd:cccc"),
      "security_test",
    );
    const otherNetwork = await t.request("/security-test", undefined, "2001:db8:1:3::1");
    assertEquals(otherNetwork.status, 200);
    await otherNetwork.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("keys: IP subjects normalize IPv6 to its /64 and IPv4-mapped addresses to IPv4", () => {
  assertEquals(ipSubject("203.0.113.9"), "203.0.113.9");
  assertEquals(ipSubject("::ffff:203.0.113.9"), "203.0.113.9");
  assertEquals(ipSubject("2001:DB8:0001:0002:aaaa::1"), "2001:db8:1:2::/64");
  assertEquals(ipSubject("2001:db8::1"), "2001:db8:0:0::/64");
  assertEquals(ipSubject("::1"), "0:0:0:0::/64");
  assertEquals(ipSubject("[2001:db8:1:2::1]"), "2001:db8:1:2::/64");
  assertEquals(ipSubject("fe80::1%eth0"), "fe80:0:0:0::/64");
  assertEquals(ipSubject("64:ff9b::192.0.2.1"), "64:ff9b:0:0::/64");
  assertEquals(ipSubject("unknown"), "unknown");
  assertEquals(ipSubject("1:2:3"), "1:2:3", "not an address: kept as is");
});

Deno.test("keys: the per-email limit holds across many client IPs, whatever the case or spacing", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  const victim = "victim@example.com";
  const spellings = [victim, "Victim@Example.com", `  ${victim}`, "VICTIM@EXAMPLE.COM "];
  try {
    // auth allows 5 per minute per IP and 10 per 15 minutes per email
    await expectPasses((i) => t.request("/probe/signin", signin(spellings[i % 4]), `203.0.113.${i + 1}`), 10);
    const limited = await t.request("/probe/signin", signin(victim), "203.0.113.200");
    const body = await expectRateLimited(limited, "auth_email");
    assertEquals(limited.headers.get("ratelimit-policy"), '"auth";q=5;w=60, "auth_email";q=10;w=900');
    // The 15-minute window may end at any moment from now; the limit lifts once it has
    assert(body.retry_after >= 1 && body.retry_after <= 901, `retry_after ${body.retry_after}`);
    // The fresh IP itself still has quota for another address
    const other = await t.request("/probe/signin", signin("someone-else@example.com"), "203.0.113.200");
    assertEquals(other.status, 200);
    await other.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("keys: the per-email 429 reads the same for any address, so it tells nothing about accounts", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const bodies = [];
    for (const email of ["known@example.com", "unknown@example.com"]) {
      await expectPasses((i) => t.request("/probe/signin", signin(email), `198.18.${bodies.length}.${i + 1}`), 10);
      const limited = await t.request("/probe/signin", signin(email), "198.18.9.9");
      const { request_id: _, retry_after: __, ...body } = await expectRateLimited(limited, "auth_email");
      bodies.push(body);
    }
    assertEquals(bodies[0], bodies[1]);
  } finally {
    await t.close();
  }
});

Deno.test({
  name: "keys: two app instances sharing one Redis enforce one shared limit",
  ignore: !redisUrl,
  async fn() {
    const prefix = `jessy:rl:test:${crypto.randomUUID()}`;
    const a = await createProbeApp({ database, rateLimitRedisUrl: redisUrl, rateLimitPrefix: prefix });
    const b = await createProbeApp({ database, rateLimitRedisUrl: redisUrl, rateLimitPrefix: prefix });
    try {
      const first = await a.request("/security-test");
      assertEquals((await first.json()).store, "redis");
      const second = await b.request("/security-test");
      assertEquals((await second.json()).remaining, 0, "the second instance sees the first's request");
      await expectRateLimited(await a.request("/security-test"), "security_test");
      await expectRateLimited(await b.request("/security-test"), "security_test");
    } finally {
      await a.close();
      await b.close();
    }
  },
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await database.close();
});
