/**
 * Where a webhook may go. The host is resolved at delivery time and every address it resolves to
 * must be public unicast, unless the host is allow-listed (WEBHOOK_ALLOWED_HOSTS): loopback, private,
 * link-local (169.254.169.254, the cloud metadata service), carrier-grade NAT and reserved ranges
 * are refused. The caller connects to the address checked here, never to the name again, so a DNS
 * answer that changes between the check and the connection cannot bypass it.
 * @module
 */
import ipaddr from "ipaddr.js";

/** Resolves a host name to its addresses (A and AAAA). */
export type Resolver = (hostname: string) => Promise<string[]>;

/** A checked destination: the URL, and the address to connect to. */
export interface WebhookTarget {
  url: URL;
  address: string;
}

/** A destination refused before any connection. */
export class RefusedTargetError extends Error {
  override name = "RefusedTargetError";
  readonly code = "webhook_target_refused";
}

/** DNS through the runtime; `localhost` names are loopback without asking DNS (RFC 6761). */
export const systemResolver: Resolver = async (hostname) => {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return ["127.0.0.1", "::1"];
  const answers = await Promise.allSettled([Deno.resolveDns(hostname, "A"), Deno.resolveDns(hostname, "AAAA")]);
  return answers.flatMap((answer) => answer.status === "fulfilled" ? answer.value : []);
};

/** The host of a URL as written in the allow list: lower case, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/** Resolves the URL's host and picks an address it may be delivered to, or throws RefusedTargetError. */
export async function resolveTarget(
  url: URL,
  options: { allowedHosts: readonly string[]; resolve: Resolver },
): Promise<WebhookTarget> {
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RefusedTargetError(`Scheme ${url.protocol} is not delivered to`);
  }
  const host = hostOf(url);
  const addresses = ipaddr.isValid(host) ? [host] : await options.resolve(host);
  if (addresses.length === 0) throw new RefusedTargetError(`${host} does not resolve`);
  if (options.allowedHosts.includes(host)) return { url, address: addresses[0] };
  // Every address must pass: a name with one public and one private answer is refused whole
  for (const address of addresses) {
    const range = ipaddr.process(address).range();
    if (range !== "unicast") throw new RefusedTargetError(`${host} resolves to a ${range} address`);
  }
  return { url, address: addresses[0] };
}
