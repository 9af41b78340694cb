import ipaddr from "ipaddr.js";

/**
 * The network an IP address (canonical text, see http/client-ip.ts) stands for: an IPv4
 * address is its own, an IPv6 address stands for its /64 prefix, as one client usually holds
 * a whole /64 and may send from any address in it. Text that is no address stands for itself.
 */
export function networkOf(address: string): string {
  if (!address.includes(":") || !ipaddr.IPv6.isValid(address)) return address;
  const prefix = ipaddr.IPv6.parse(address).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(":")}::/64`;
}
