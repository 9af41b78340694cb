import Bowser from "bowser";

/** Which device a session or a sign-in came from, as a settings page or a mail shows it. */
export interface Device {
  /** "Firefox", "Chrome", … or null when the user agent names none. */
  browser: string | null;
  /** "Windows", "iOS", "Android", … */
  os: string | null;
  /** "desktop", "mobile", "tablet", "tv", "bot" or null. */
  type: string | null;
  /** "Firefox on Windows", or "Unknown device": one line for a list or a mail. */
  label: string;
}

const MAX_PART = 40;
// Client text ends up in mails and settings pages: no control, format or bidirectional characters
// (an RTL override can make "evil.com" read as "moc.live"), no line breaks.
const UNSAFE = /[\p{Cc}\p{Cf}]/gu;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * Text a client chose (a user agent, a session name), made safe to show: control, format and bidi
 * characters removed, whitespace collapsed, at most `max` characters. Escaping for HTML is still the
 * template's job; this only decides which characters reach it.
 */
export function displayText(text: string, max: number): string {
  const clean = text.replace(LINE_BREAKS, " ").replace(UNSAFE, "").replace(/\s+/g, " ").trim();
  const chars = [...clean];
  return chars.length <= max ? clean : chars.slice(0, max - 1).join("") + "…";
}

function part(value: string | undefined): string | null {
  if (!value) return null;
  const shown = displayText(value, MAX_PART);
  return shown === "" ? null : shown;
}

/** Parses a User-Agent header once (at sign-in) into what a person recognises. */
export function parseDevice(userAgent: string | null): Device {
  if (!userAgent) return { browser: null, os: null, type: null, label: "Unknown device" };
  const parsed = Bowser.parse(userAgent);
  const browser = part(parsed.browser.name);
  const os = part(parsed.os.name);
  const type = part(parsed.platform.type);
  const label = browser && os ? `${browser} on ${os}` : browser ?? os ?? "Unknown device";
  return { browser, os, type, label };
}
