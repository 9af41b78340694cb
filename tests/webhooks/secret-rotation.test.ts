import { Webhook } from "npm:standardwebhooks@1.3.0";
import { createTestDatabase } from "../helpers/database.ts";
import { bearer, jsonOf } from "../helpers/http.ts";
import { assert, assertEquals, assertNotEquals } from "../helpers/assert.ts";
import { adminKey } from "../admin/_helpers.ts";
import { rotatedSecrets, ROTATION_OVERLAP_MS, signingSecretsAt } from "../../src/webhooks/signing-secrets.ts";
import { type ReceivedHook, signedWith, startReceiver, type WebhooksApp, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();
const HOUR = 3_600_000;

/** POST /admin/webhooks/{id}/test, then the worker's round; resolves to what the receiver got. */
async function deliverTest(app: WebhooksApp, endpointId: string, received: ReceivedHook[]): Promise<ReceivedHook> {
  const queued = await app.request(`/admin/webhooks/${endpointId}/test`, bearer(app.key, { method: "POST" }));
  assertEquals(queued.status, 202);
  const before = received.length;
  await app.worker.runOnce();
  assertEquals(received.length, before + 1, "the test event was delivered");
  return received[before];
}

function rotate(app: WebhooksApp, endpointId: string, key = app.key) {
  return jsonOf(app.request(`/admin/webhooks/${endpointId}/rotate-secret`, bearer(key, { method: "POST" })));
}

Deno.test("POST /admin/webhooks/{id}/rotate-secret: for 24 hours a receiver that knows only the old secret or only the new one verifies every delivery; then only the new one", async () => {
  const app = await webhooksApp(database);
  const receiver = startReceiver(() => null);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    const oldSecret = endpoint.secret;
    const rotated = await rotate(app, endpoint.id);
    assertEquals(rotated.status, 200);
    const newSecret: string = rotated.body.secret;
    assert(newSecret.startsWith("whsec_"), "a Standard Webhooks secret");
    assertNotEquals(newSecret, oldSecret);
    assertEquals(rotated.body.id, endpoint.id);
    assertEquals(
      rotated.body.previous_secrets_expire_at,
      new Date(app.clock.now().getTime() + 24 * HOUR).toISOString(),
    );

    // Right after the rotation: each receiver verifies with standardwebhooks, the timestamp window included
    const first = await deliverTest(app, endpoint.id, receiver.received);
    assertEquals(new Webhook(oldSecret).verify(first.body, first.headers), JSON.parse(first.body));
    assertEquals(new Webhook(newSecret).verify(first.body, first.headers), JSON.parse(first.body));
    assertEquals(first.signature.split(" ").length, 2, "one signature per secret");
    assert(
      first.signature.startsWith(
        new Webhook(newSecret).sign(first.id, new Date(Number(first.timestamp) * 1000), first.body),
      ),
      "the new secret signs first",
    );

    // The last second of the overlap: both still sign (the clock moved, so signatures are checked without the window)
    app.clock.advance(24 * HOUR - 1000);
    const last = await deliverTest(app, endpoint.id, receiver.received);
    assertEquals(Number(last.timestamp), Math.floor(app.clock.now().getTime() / 1000));
    assert(signedWith(oldSecret, last), "the old secret still signs");
    assert(signedWith(newSecret, last), "the new secret signs");

    // After the overlap the old secret no longer signs
    app.clock.advance(1000);
    const after = await deliverTest(app, endpoint.id, receiver.received);
    assert(signedWith(newSecret, after), "the new secret signs");
    assert(!signedWith(oldSecret, after), "the old secret stopped signing");
    assertEquals(after.signature.split(" ").length, 1);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("POST /admin/webhooks/{id}/rotate-secret: a rotation drops the secrets already expired; a second rotation within the overlap keeps the first's expiry", async () => {
  const app = await webhooksApp(database);
  const receiver = startReceiver(() => null);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    const stored = async () =>
      (await database.db.selectFrom("webhook_endpoints").select("secrets").where("id", "=", endpoint.id)
        .executeTakeFirstOrThrow()).secrets;
    const firstExpiry = new Date(app.clock.now().getTime() + 24 * HOUR).toISOString();
    const second = (await rotate(app, endpoint.id)).body.secret as string;
    app.clock.advance(HOUR);
    const third = (await rotate(app, endpoint.id)).body.secret as string;
    assertEquals((await stored()).map((secret) => secret.expires_at), [
      null,
      new Date(app.clock.now().getTime() + 24 * HOUR).toISOString(),
      firstExpiry,
    ]);
    const during = await deliverTest(app, endpoint.id, receiver.received);
    assert([endpoint.secret, second, third].every((secret) => signedWith(secret, during)), "all three sign");

    app.clock.advance(24 * HOUR);
    const fourth = (await rotate(app, endpoint.id)).body.secret as string;
    assertEquals((await stored()).length, 2, "the expired secrets are gone from the row");
    const after = await deliverTest(app, endpoint.id, receiver.received);
    assertEquals([endpoint.secret, second, third, fourth].map((secret) => signedWith(secret, after)), [
      false,
      false,
      true,
      true,
    ]);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("POST /admin/webhooks/{id}/rotate-secret: the secrets never appear in GET /admin/webhooks, the logs or GET /admin/security-events, and the answer is not stored by caches; 404 for an unknown endpoint, 403 for webhooks:read", async () => {
  const app = await webhooksApp(database);
  let secret: string | null = null;
  const receiver = startReceiver(() => secret);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    const rotated = await rotate(app, endpoint.id);
    secret = rotated.body.secret;
    await deliverTest(app, endpoint.id, receiver.received);

    const auditor = await adminKey(app, ["audit:read"]);
    const listed = await jsonOf(app.request("/admin/webhooks", bearer(app.key)));
    const events = await jsonOf(
      app.request("/admin/security-events?type=admin_webhook_secret_rotated", bearer(auditor)),
    );
    assertEquals(events.body.events.length >= 1, true, JSON.stringify(events.body));
    const stored = await database.db.selectFrom("security_events").selectAll().execute();
    for (
      const [where, text] of Object.entries({
        "the list": JSON.stringify(listed.body),
        "the logs": JSON.stringify(app.logger.lines),
        "the events": JSON.stringify(events.body) + JSON.stringify(stored),
      })
    ) {
      for (const shown of [endpoint.secret, rotated.body.secret]) {
        // The base64 part alone too: a secret must not leak without its prefix either
        assert(!text.includes(shown.slice("whsec_".length)), `a secret in ${where}`);
      }
    }

    const again = await app.request(
      `/admin/webhooks/${endpoint.id}/rotate-secret`,
      bearer(app.key, { method: "POST" }),
    );
    assertEquals(again.headers.get("Cache-Control"), "no-store", "no cache keeps the answer with its secret");
    await again.body?.cancel();

    assertEquals((await rotate(app, crypto.randomUUID())).status, 404);
    const reader = await adminKey(app, ["webhooks:read"]);
    assertEquals((await rotate(app, endpoint.id, reader)).status, 403);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("rotatedSecrets: the new secret first without expiry, the live ones until the overlap ends, the expired ones dropped", () => {
  const now = new Date("2026-12-07T08:00:00.000Z");
  const later = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const before = [
    { sealed: "b", expires_at: null },
    { sealed: "a", expires_at: later(HOUR) },
    { sealed: "gone", expires_at: later(0) },
  ];
  const { secrets, previousExpireAt } = rotatedSecrets(before, "c", now);
  assertEquals(previousExpireAt.toISOString(), later(ROTATION_OVERLAP_MS));
  assertEquals(secrets, [
    { sealed: "c", expires_at: null },
    { sealed: "b", expires_at: later(ROTATION_OVERLAP_MS) },
    { sealed: "a", expires_at: later(HOUR) },
  ]);
  assertEquals(signingSecretsAt(secrets, new Date(now.getTime() + HOUR)).map((secret) => secret.sealed), ["c", "b"]);
});
