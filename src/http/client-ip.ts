import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import ipaddr from "ipaddr.js";

/** Longer than any IP address with brackets, zone and port: longer text is not parsed at all. */
const MAX_ADDRESS_TEXT = 64;
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;
const IPV4_WITH_PORT = /^([\d.]+):\d{1,5}$/;

/**
 * The client's IP address, canonical (see `parseIp`), or undefined when not even the socket
 * gives one. With `trustedHops` = 0 only the socket counts, so a forged X-Forwarded-For
 * changes nothing; with N trusted proxies in front, the Nth address from the right of
 * X-Forwarded-For (each proxy appends the peer it saw) is the client. An entry that is not
 * an IP address (a name, `unknown`, garbage) counts as absent: the socket address is used.
 */
export function clientIp(c: Context, trustedHops: number): string | undefined {
  const socket = parseIp(socketAddress(c));
  if (trustedHops <= 0) return socket;
  const forwarded = (c.req.header("X-Forwarded-For") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  const chosen = forwarded.at(-trustedHops) ?? forwarded[0];
  return (chosen === undefined ? undefined : parseIp(chosen)) ?? socket;
}

/**
 * One IP address in canonical text, or undefined when `text` is anything else. Brackets and
 * a port are stripped (`[2001:db8::1]:443`, `198.51.100.7:40001`), IPv6 is written as RFC 5952
 * has it (lower case, shortest form, no zone), an IPv4-mapped IPv6 address becomes the IPv4
 * address it carries, and IPv4 must be four decimal parts (no `127.1`, `0x7f.0.0.1`, `010.…`).
 */
export function parseIp(text: string): string | undefined {
  if (text.length > MAX_ADDRESS_TEXT) return undefined;
  const host = BRACKETED.exec(text)?.[1] ?? IPV4_WITH_PORT.exec(text)?.[1] ?? text;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host).toString();
  if (!ipaddr.IPv6.isValid(host)) return undefined;
  const address = ipaddr.IPv6.parse(host);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  return new ipaddr.IPv6(address.parts).toRFC5952String();
}

function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "";
  } catch {
    return "";
  }
}
