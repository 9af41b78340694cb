import type { Config } from "../../config.ts";
import { base64url, fromBase64url, isUuid } from "../../encoding.ts";
import { AppError } from "../../errors.ts";
import type { KeysetPosition } from "../../repositories/keyset.ts";
import { constantTimeEqual, hmacHex, type HmacKey, purposeKey } from "../secrets.ts";

export type { KeysetPosition };

/**
 * Which list a cursor walks. Each has a key of its own, so a cursor of one list is refused by
 * the other even though both carry a date and an id.
 */
export type CursorList = "security-events" | "sessions";

const KEY_LABELS: Record<CursorList, string> = {
  "security-events": "security-event-cursor v1",
  sessions: "session-cursor v1",
};

/** The cursor key: derived from JWT_SECRET for one list alone (never the raw JWT key). */
function cursorKey(config: Config, list: CursorList): HmacKey {
  return purposeKey(config, config.jwt.accessSecret, KEY_LABELS[list]);
}

async function signature(
  config: Config,
  list: CursorList,
  userId: string,
  createdAt: string,
  id: string,
): Promise<string> {
  return await hmacHex(cursorKey(config, list), `${userId}:${createdAt}:${id}`);
}

/**
 * The position after a row, opaque to clients: base64url of `[created_at, id, mac]`,
 * where the MAC binds it to the list and the user it was issued to. A cursor the service did
 * not issue (or issued to someone else, or for another list) can be told apart without reading it.
 */
export async function encodeCursor(
  config: Config,
  userId: string,
  position: KeysetPosition,
  list: CursorList = "security-events",
): Promise<string> {
  const createdAt = position.createdAt.toISOString();
  const mac = await signature(config, list, userId, createdAt, position.id);
  return base64url(new TextEncoder().encode(JSON.stringify([createdAt, position.id, mac])));
}

function invalidCursor(): AppError {
  return new AppError("validation_failed", "The cursor is not one this service issued", {
    errors: [{ path: "cursor", message: "Invalid cursor" }],
  });
}

function parse(cursor: string): [string, string, string] | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(cursor)));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    if (!parsed.every((part) => typeof part === "string")) return undefined;
    return parsed as [string, string, string];
  } catch {
    return undefined;
  }
}

/**
 * Reads a cursor back: only what `encodeCursor` issued to this user is accepted, anything
 * else is a 422 on `cursor`. The date is range-checked too, so no cursor can carry a year
 * PostgreSQL refuses (0000, five digits) even under a leaked key.
 */
export async function decodeCursor(
  config: Config,
  userId: string,
  cursor: string,
  list: CursorList = "security-events",
): Promise<KeysetPosition> {
  const parts = parse(cursor);
  if (!parts) throw invalidCursor();
  const [createdAt, id, mac] = parts;
  if (!constantTimeEqual(mac, await signature(config, list, userId, createdAt, id))) throw invalidCursor();
  const date = new Date(createdAt);
  const inRange = !Number.isNaN(date.getTime()) && date.toISOString() === createdAt &&
    date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999;
  if (!inRange || !isUuid(id)) throw invalidCursor();
  return { createdAt: date, id };
}
