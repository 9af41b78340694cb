/**
 * Cursors are held by clients between requests, across upgrades: what an earlier version issued
 * must still read back to the same position, and each list's cursor must stay refused by the others.
 */
import { AppError } from "../../src/errors.ts";
import {
  decodeAdminCursor,
  decodeAdminPosition,
  decodeCursor,
  encodeAdminCursor,
  encodeCursor,
} from "../../src/services/keyset-cursor.ts";
import { testConfig } from "../helpers/app.ts";
import { assertEquals, assertRejects } from "../helpers/assert.ts";

const config = testConfig();
const USER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const AT = { createdAt: new Date("2026-11-28T09:00:00.123Z"), id: "0193a1b2-7c9e-7425-80de-944be07fc1f9" };

/** Issued under testConfig()'s secrets by the version before the cursor modules were one. */
const ISSUED = {
  sessions:
    "WyIyMDI2LTExLTI4VDA5OjAwOjAwLjEyM1oiLCIwMTkzYTFiMi03YzllLTc0MjUtODBkZS05NDRiZTA3ZmMxZjkiLCI0NjQyNDUwZDYxYmQ2MWM4MzNkYjI0ZDA5Y2I4NDM1MzI4NzA0N2Q1Nzg5Y2FhNGMzZDVlMWZiNzY5OTk4MmFkIl0",
  events:
    "WyIyMDI2LTExLTI4VDA5OjAwOjAwLjEyM1oiLCIwMTkzYTFiMi03YzllLTc0MjUtODBkZS05NDRiZTA3ZmMxZjkiLCI1OGRlMzhiYTJiNzcwMWEwMDVjNzY4NmUxMGVlZTkyYzZhODY4YzYyODAwM2EwYWY5N2Q3MzQxMzY0OTQ2ZDhlIl0",
  adminUsers:
    "WyJhbGljZUBleGFtcGxlLmNvbSIsIjk3NzViMWY1ZGNjM2ZjZWZmZjUyMGRiYzQxOWVmZDIxN2EzNDM4YWM0ZDAyMWY2Yzc5ODY5ODE0ZjFjNzBkNGEiXQ",
  adminEvents:
    "WyIyMDI2LTExLTI4VDA5OjAwOjAwLjEyM1oiLCIwMTkzYTFiMi03YzllLTc0MjUtODBkZS05NDRiZTA3ZmMxZjkiLCJiZmNhMWNiNzg3YWQ4NzNkMGMzZGNlZTUwMTA1YWFlZWM1ODc3Y2VmMjAyYzk5OTAzMTU1YzA1OTllY2U2NTBiIl0",
};

Deno.test("cursor wire format: sessions and security-events cursors of the earlier version read back and are issued alike", async () => {
  assertEquals(await decodeCursor(config, USER, ISSUED.sessions, "sessions"), AT);
  assertEquals(await decodeCursor(config, USER, ISSUED.events, "security-events"), AT);
  assertEquals(await encodeCursor(config, USER, AT, "sessions"), ISSUED.sessions);
  assertEquals(await encodeCursor(config, USER, AT, "security-events"), ISSUED.events);
});

Deno.test("cursor wire format: admin users and events cursors of the earlier version read back and are issued alike", async () => {
  assertEquals(await decodeAdminCursor(config, "users", ISSUED.adminUsers, 1), ["alice@example.com"]);
  assertEquals(await decodeAdminPosition(config, "events", ISSUED.adminEvents), AT);
  assertEquals(await encodeAdminCursor(config, "users", ["alice@example.com"]), ISSUED.adminUsers);
  assertEquals(await encodeAdminCursor(config, "events", [AT.createdAt.toISOString(), AT.id]), ISSUED.adminEvents);
});

Deno.test("cursor wire format: no list accepts another list's cursor, even with the same position", async () => {
  const refused = (read: () => Promise<unknown>) => assertRejects(read, AppError);
  await refused(() => decodeCursor(config, USER, ISSUED.events, "sessions"));
  await refused(() => decodeCursor(config, USER, ISSUED.sessions, "security-events"));
  await refused(() => decodeCursor(config, USER, ISSUED.adminEvents, "sessions"));
  await refused(() => decodeAdminPosition(config, "events", ISSUED.sessions));
  await refused(() => decodeAdminPosition(config, "users", ISSUED.adminEvents));
});
