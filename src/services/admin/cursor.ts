import type { Config } from "../../config.ts";
import { base64url, fromBase64url } from "../../encoding.ts";
import { AppError } from "../../errors.ts";
import { constantTimeEqual, hmacHex, type HmacKey, purposeKey } from "../secrets.ts";

function cursorKey(config: Config): HmacKey {
  return purposeKey(config, config.jwt.accessSecret, "admin-cursor v1");
}

async function signature(config: Config, kind: string, values: string[]): Promise<string> {
  return await hmacHex(cursorKey(config), [kind, ...values].join("\0"));
}

/**
 * A keyset position as an opaque cursor: base64url of `[...values, mac]`, the MAC binding it
 * to its kind (a users cursor is no events cursor). Anything else reads back as a 422.
 */
export async function encodeAdminCursor(config: Config, kind: string, values: string[]): Promise<string> {
  const mac = await signature(config, kind, values);
  return base64url(new TextEncoder().encode(JSON.stringify([...values, mac])));
}

export function invalidCursorError(): AppError {
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

/** The values of a cursor `encodeAdminCursor` issued for `kind`; a 422 on `cursor` otherwise. */
export async function decodeAdminCursor(config: Config, kind: string, cursor: string, arity: number) {
  const parts = parse(cursor, arity);
  if (!parts) throw invalidCursorError();
  const values = parts.slice(0, arity);
  if (!constantTimeEqual(parts[arity], await signature(config, kind, values))) throw invalidCursorError();
  return values;
}

/** A date from a cursor, refused (422) unless PostgreSQL can store it exactly as written. */
export function cursorDate(text: string): Date {
  const date = new Date(text);
  const valid = !Number.isNaN(date.getTime()) && date.toISOString() === text && date.getUTCFullYear() >= 1970 &&
    date.getUTCFullYear() <= 9999;
  if (!valid) throw invalidCursorError();
  return date;
}
