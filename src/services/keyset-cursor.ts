import type { Config } from "../config.ts";
import { base64url, fromBase64url, isUuid } from "../encoding.ts";
import { AppError } from "../errors.ts";
import type { KeysetPosition } from "../repositories/keyset.ts";
import { constantTimeEqual, hmacHex, type HmacKey, purposeKey } from "./secrets.ts";

export type { KeysetPosition };

/**
 * Every paging cursor of the API: a list position, opaque to clients, as base64url of the JSON
 * array `[...values, mac]`. The MAC binds the values to the list and to whom they were issued,
 * so a cursor the service did not issue (or issued to someone else, or for another list) is
 * told apart without reading it; anything else reads back as a 422 on `cursor`.
 */
interface CursorSeal {
  /** HMAC-SHA256 key derived from JWT_SECRET for this purpose alone (never the raw JWT key). */
  key: HmacKey;
  /** The text the MAC signs: the values and what the cursor is bound to. */
  message(values: readonly string[]): string;
}

async function seal(binding: CursorSeal, values: readonly string[]): Promise<string> {
  const mac = await hmacHex(binding.key, binding.message(values));
  return base64url(new TextEncoder().encode(JSON.stringify([...values, mac])));
}

function invalidCursorError(): AppError {
  return new AppError("validation_failed", "The cursor is not one this service issued", {
    errors: [{ path: "cursor", message: "Invalid cursor" }],
  });
}

function parse(cursor: string, arity: number): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(cursor)));
    if (!Array.isArray(parsed) || parsed.length !== arity + 1) return undefined;
    if (!parsed.every((part) => typeof part === "string")) return undefined;
    return parsed as string[];
  } catch {
    return undefined;
  }
}

async function unseal(binding: CursorSeal, cursor: string, arity: number): Promise<string[]> {
  const parts = parse(cursor, arity);
  if (!parts) throw invalidCursorError();
  const values = parts.slice(0, arity);
  if (!constantTimeEqual(parts[arity], await hmacHex(binding.key, binding.message(values)))) {
    throw invalidCursorError();
  }
  return values;
}

/**
 * A position read from a cursor. The date is range-checked too, so no cursor can carry a year
 * PostgreSQL refuses (0000, five digits) even under a leaked key.
 */
function positionOf([createdAt, id]: readonly string[]): KeysetPosition {
  const date = new Date(createdAt);
  const storable = !Number.isNaN(date.getTime()) && date.toISOString() === createdAt &&
    date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999;
  if (!storable || !isUuid(id)) throw invalidCursorError();
  return { createdAt: date, id };
}

/**
 * Which of a user's lists a cursor walks. Each has a key of its own, so a cursor of one list is
 * refused by the other even though both carry a date and an id.
 */
export type CursorList = "security-events" | "sessions";

const KEY_LABELS: Record<CursorList, string> = {
  "security-events": "security-event-cursor v1",
  sessions: "session-cursor v1",
};

function userListSeal(config: Config, userId: string, list: CursorList): CursorSeal {
  return {
    key: purposeKey(config, config.jwt.accessSecret, KEY_LABELS[list]),
    message: (values) => [userId, ...values].join(":"),
  };
}

/** The position after a row of one of the user's lists: `[created_at, id, mac]`, bound to that user. */
export async function encodeCursor(
  config: Config,
  userId: string,
  position: KeysetPosition,
  list: CursorList = "security-events",
): Promise<string> {
  return await seal(userListSeal(config, userId, list), [position.createdAt.toISOString(), position.id]);
}

/** Reads a cursor back: only what `encodeCursor` issued to this user for this list; a 422 otherwise. */
export async function decodeCursor(
  config: Config,
  userId: string,
  cursor: string,
  list: CursorList = "security-events",
): Promise<KeysetPosition> {
  return positionOf(await unseal(userListSeal(config, userId, list), cursor, 2));
}

/** The admin lists share one key; the MAC binds each cursor to its kind (a users cursor is no events cursor). */
function adminSeal(config: Config, kind: string): CursorSeal {
  return {
    key: purposeKey(config, config.jwt.accessSecret, "admin-cursor v1"),
    message: (values) => [kind, ...values].join("\0"),
  };
}

/** The values after a row of an admin list, as a cursor bound to its kind. */
export async function encodeAdminCursor(config: Config, kind: string, values: string[]): Promise<string> {
  return await seal(adminSeal(config, kind), values);
}

/** The values of a cursor `encodeAdminCursor` issued for `kind`; a 422 on `cursor` otherwise. */
export async function decodeAdminCursor(config: Config, kind: string, cursor: string, arity: number) {
  return await unseal(adminSeal(config, kind), cursor, arity);
}

/** An admin list's `(created_at, id)` position, read as strictly as a user's. */
export async function decodeAdminPosition(config: Config, kind: string, cursor: string): Promise<KeysetPosition> {
  return positionOf(await decodeAdminCursor(config, kind, cursor, 2));
}
