import { networkOf } from "../../ip-network.ts";
import { parseIp } from "../client-ip.ts";

/**
 * The subject an IP address is limited as. IPv4 addresses count one by one; an IPv6
 * client usually holds a whole /64, so it counts as its /64 prefix — otherwise every
 * request could come from a fresh address of the same network. IPv4-mapped IPv6
 * addresses count as the IPv4 address they carry; text that is no address (no client
 * address at all) is its own subject.
 */
export function ipSubject(ip: string | undefined): string {
  if (ip === undefined) return "unknown";
  const address = parseIp(ip);
  return address === undefined ? ip : networkOf(address);
}
