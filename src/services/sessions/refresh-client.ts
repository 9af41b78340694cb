import { networkOf } from "../../ip-network.ts";
import type { RequestMeta } from "../identity.ts";
import { sha256Hex } from "../secrets.ts";

/**
 * Who presents a refresh token, as far as a bearer token lets the service tell: a digest of
 * the network the request comes from and its exact User-Agent. Within the reuse grace window
 * only the client that exchanged the token gets the kept pair (see refresh-grace.ts).
 *
 * Why these, and not something the client holds: a refresh token is a bearer credential, and
 * whatever a client keeps beside it (the access token, the device token) sits in the same
 * storage, so whoever copied the one has the others. What a copy does not carry is where the
 * legitimate client sends from. The window exists for one client racing itself, two tabs of
 * one browser refreshing at once or a request retried after a lost answer, and those requests
 * carry the same User-Agent to the byte from the same address, usually over one connection. A
 * replay from another device or network differs in one or both. An IPv6 client counts as its
 * /64, where its temporary addresses rotate; an IPv4 address counts as itself.
 *
 * What it cannot tell apart: a thief sending the victim's User-Agent from the victim's own
 * network (malware on the device). That one gets one grace answer at most, recorded as a
 * security event, and the pair it got opens no grace of its own (refresh_tokens.shared_by_grace).
 */
export function refreshClient(meta: Pick<RequestMeta, "ip" | "userAgent">): string {
  return sha256Hex(`${meta.ip === null ? "" : networkOf(meta.ip)}\n${meta.userAgent ?? ""}`);
}
