import { type ChannelMessage, entriesInMessages, parseChannelMessage } from "../../src/services/notified-messages.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

Deno.test("channel messages: the four kinds are read as sent", () => {
  const messages: ChannelMessage[] = [
    { from: "a", id: 0 },
    { from: "a", id: 1, entries: [{ key: "sid:s", value: 1, ttlSeconds: 900 }] },
    { from: "b", id: 2, ack: { to: "a", id: 1 } },
    { from: "b", id: 3, leaving: true },
  ];
  for (const message of messages) assertEquals(parseChannelMessage(JSON.stringify(message)), message);
});

Deno.test("channel messages: anything else is dropped", () => {
  const payloads = [
    "",
    "not json",
    "null",
    "[]",
    "42",
    '"text"',
    '{"id":1}',
    '{"from":1,"id":1}',
    '{"from":"a"}',
    '{"from":"a","id":1.5}',
    '{"from":"a","id":1,"entries":"all"}',
    '{"from":"a","id":1,"entries":[null]}',
    '{"from":"a","id":1,"entries":[{"key":"k","value":"1","ttlSeconds":1}]}',
    '{"from":"a","id":1,"entries":[{"key":1,"value":1,"ttlSeconds":1}]}',
    '{"from":"a","id":1,"entries":[{"key":"k","value":1}]}',
    '{"from":"a","id":1,"ack":null}',
    '{"from":"a","id":1,"ack":{"to":"b"}}',
    '{"from":"a","id":1,"leaving":"yes"}',
  ];
  for (const payload of payloads) assertEquals(parseChannelMessage(payload), undefined, payload);
});

Deno.test("channel messages: many entries are split into NOTIFY-sized messages, none lost, order kept", () => {
  const entries = Array.from(
    { length: 500 },
    (_, i) => ({ key: `sid:${crypto.randomUUID()}`, value: 1, ttlSeconds: i }),
  );
  const groups = entriesInMessages(entries);
  assert(groups.length > 1, "500 session entries do not fit one message");
  for (const group of groups) {
    const payload = JSON.stringify({ from: crypto.randomUUID(), id: 2 ** 31, entries: group });
    assert(new TextEncoder().encode(payload).length < 8000, `${payload.length} bytes`);
  }
  assertEquals(groups.flat(), entries);
  assertEquals(entriesInMessages([]), []);
});
