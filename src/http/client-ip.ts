import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

/**
 * The client's IP address. With `trustedHops` = 0 only the socket counts, so a forged
 * X-Forwarded-For changes nothing; with N trusted proxies in front, the Nth address from
 * the right of X-Forwarded-For (each proxy appends the peer it saw) is the client.
 */
export function clientIp(c: Context, trustedHops: number): string {
  const socket = socketAddress(c);
  if (trustedHops <= 0) return socket;
  const forwarded = (c.req.header("X-Forwarded-For") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  return forwarded.at(-trustedHops) ?? forwarded[0] ?? socket;
}

function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}
