import { v7 } from "uuid";

/**
 * A new row id: a UUID whose first 48 bits are the time in milliseconds (RFC 9562 version 7).
 *
 * Why not random (version 4): at a million users refresh_tokens and sessions hold tens of millions
 * of rows, and a random key lands on a random leaf of the primary key's index, a page PostgreSQL
 * must fetch and write back whole after each checkpoint. Time-ordered keys land on the index's
 * newest pages, already in memory (docs/architecture.md, "Queries"). The ids are shown only to their owner (session
 * ids) or inside signed tokens, next to times they already carry: the time in them reveals nothing new.
 */
export function newRowId(): string {
  return v7();
}
