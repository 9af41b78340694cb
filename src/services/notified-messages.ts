import type { CacheEntry } from "./revocation-cache.ts";

/**
 * What instances say to each other on the revocation channel: a heartbeat (nothing else),
 * a revocation (entries), an acknowledgement of one (ack), or an instance's last word
 * before it shuts down (leaving).
 */
export interface ChannelMessage {
  from: string;
  id: number;
  entries?: CacheEntry[];
  ack?: { to: string; id: number };
  leaving?: true;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function isEntry(value: unknown): value is CacheEntry {
  return isRecord(value) && typeof value.key === "string" && Number.isFinite(value.value) &&
    Number.isFinite(value.ttlSeconds);
}

/**
 * Anyone allowed to NOTIFY can write on the channel: what does not have the shape of a
 * message is dropped rather than let throw inside the driver's notification handler.
 */
export function parseChannelMessage(payload: string): ChannelMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.from !== "string" || !Number.isInteger(value.id)) return undefined;
  if (value.entries !== undefined && !(Array.isArray(value.entries) && value.entries.every(isEntry))) return undefined;
  const ack = value.ack;
  if (ack !== undefined && !(isRecord(ack) && typeof ack.to === "string" && Number.isInteger(ack.id))) return undefined;
  if (value.leaving !== undefined && value.leaving !== true) return undefined;
  return value as unknown as ChannelMessage;
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; this leaves room for the envelope */
const MAX_ENTRIES_BYTES = 7000;

/** Splits entries into groups small enough for one NOTIFY each. */
export function entriesInMessages(entries: CacheEntry[]): CacheEntry[][] {
  const groups: CacheEntry[][] = [];
  let group: CacheEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = new TextEncoder().encode(JSON.stringify(entry)).length + 1;
    if (group.length > 0 && bytes + size > MAX_ENTRIES_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(entry);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
