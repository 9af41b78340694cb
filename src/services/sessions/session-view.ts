import type { ListedSession } from "../../repositories/sessions.ts";
import { type Device, parseDevice } from "../device.ts";

/** How a session's sign-in was proven, in words a settings page shows. */
export type SignInMethod = "password" | "mfa" | "passkey";

/** A session as its owner (GET /auth/sessions) or an administrator (GET /admin/users/{id}) sees it. */
export interface SessionView {
  id: string;
  /** What the owner called it; null until named */
  name: string | null;
  created_at: string;
  last_used_at: string;
  ip: string | null;
  user_agent: string | null;
  /** The sign-in's device, parsed once when the session started */
  device: Device;
  /** The sign-in presented a valid device token; null for sessions from before this was kept */
  known_device: boolean | null;
  method: SignInMethod;
  /** RFC 8176 methods the sign-in proved, its assurance level and when it was proven */
  amr: string[];
  aal: 1 | 2;
  auth_time: string;
}

/** The method a session's `amr` names: a password with anything more is a second factor, a key alone a passkey. */
export function signInMethod(amr: string[]): SignInMethod {
  if (amr.includes("pwd")) return amr.length > 1 ? "mfa" : "password";
  if (amr.includes("hwk") || amr.includes("swk")) return "passkey";
  return "password";
}

/**
 * The device stored at sign-in. A session started before devices were stored has none: its
 * stored user agent (that of its latest use) is parsed instead, so it still reads "Firefox on
 * Windows". Such rows are few and gone within SESSION_MAX_LIFETIME_SECONDS of the upgrade.
 */
function deviceOf(row: ListedSession): Device {
  if (row.device_label === null) return parseDevice(row.user_agent);
  return { browser: row.device_browser, os: row.device_os, type: row.device_type, label: row.device_label };
}

export function sessionView(row: ListedSession): SessionView {
  const amr = row.amr.split(" ");
  return {
    id: row.id,
    name: row.name,
    created_at: row.created_at_iso,
    last_used_at: row.last_used_at_iso,
    ip: row.ip,
    user_agent: row.user_agent,
    device: deviceOf(row),
    known_device: row.known_device,
    method: signInMethod(amr),
    amr,
    aal: row.aal === 2 ? 2 : 1,
    auth_time: row.auth_time_iso,
  };
}
