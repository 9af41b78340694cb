const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const HEXTET = /^[0-9a-f]{1,4}$/i;

/**
 * The subject an IP address is limited as. IPv4 addresses count one by one; an IPv6
 * client usually holds a whole /64, so it counts as its /64 prefix — otherwise every
 * request could come from a fresh address of the same network. IPv4-mapped IPv6
 * addresses count as the IPv4 address they carry.
 */
export function ipSubject(ip: string): string {
  const mapped = IPV4_MAPPED.exec(ip);
  if (mapped) return mapped[1];
  if (!ip.includes(":")) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address in lower-case hex without leading zeros, or undefined. */
function ipv6Groups(ip: string): string[] | undefined {
  const address = ip.replace(/^\[|\]$/g, "").split("%")[0];
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = splitGroups(halves[0]);
  const tail = halves.length === 2 ? splitGroups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => HEXTET.test(group))) return undefined;
  return groups.map((group) => parseInt(group, 16).toString(16));
}

/** Splits a run of groups; an embedded IPv4 tail (`::ffff:1.2.3.4`) stands for two groups. */
function splitGroups(run: string): string[] {
  if (run === "") return [];
  const parts = run.split(":");
  const last = parts.at(-1) ?? "";
  if (last.includes(".")) parts.splice(-1, 1, "0", "0");
  return parts;
}
