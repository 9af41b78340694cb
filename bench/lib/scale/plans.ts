/** The hot statements of a scale run, as the repositories build them, explained at each size. */
import type postgres from "postgres";
import type { Transaction } from "kysely";
import type { MintedPair } from "../mint.ts";
import { type ExplainedStatement, explainStatements } from "./explain.ts";
import { deepPositions, EVENTS_DEEP, type HeavyFixture, SESSIONS_DEEP } from "./fixture.ts";
import type { ScaleResults } from "./results.ts";
import type { DB } from "../../../src/db/schema.ts";
import { listUsers } from "../../../src/repositories/admin-users.ts";
import { deleteExpiredBatch, EXPIRING_TABLES, type ExpiringTable } from "../../../src/repositories/housekeeping.ts";
import { listSecurityEvents } from "../../../src/repositories/security-events.ts";
import { listActiveSessions, lockUserSessionForRefresh } from "../../../src/repositories/sessions.ts";
import { findProfileOfUsableToken } from "../../../src/repositories/token-standing.ts";
import { lockUserByEmail } from "../../../src/repositories/users.ts";

interface Claims {
  sub: string;
  sid: string;
  jti: string;
  kid: string;
  ver: number;
}

/** The payload's claims and the header's `kid` of a token the bench minted. */
function claimsOf(token: string): Claims {
  const part = (index: number) => JSON.parse(atob(token.split(".")[index].replaceAll("-", "+").replaceAll("_", "/")));
  return { ...part(1), kid: part(0).kid };
}

export interface PlanInputs {
  pair: MintedPair;
  email: string;
  heavy?: HeavyFixture;
  adminPrefix: string;
  /** The page the admin search asks for (the service asks for one more, to tell whether there is a next) */
  adminPage: number;
}

/** EXPLAIN (ANALYZE, BUFFERS) of each hot statement on the database at this size. */
export async function explainHotStatements(sql: postgres.Sql, inputs: PlanInputs): Promise<ExplainedStatement[]> {
  const now = new Date();
  const claims = claimsOf(inputs.pair.access_token);
  const subject = { userId: claims.sub, sessionId: claims.sid, jti: claims.jti, keyId: claims.kid, now };
  const plans: ExplainedStatement[] = [];
  const add = async (name: string, work: Parameters<typeof explainStatements>[2]) =>
    plans.push(...await explainStatements(sql, name, work));
  await add(
    "token check + profile (GET /auth/me)",
    (db) => findProfileOfUsableToken(db, { ...subject, tokenVersion: claims.ver ?? 0 }),
  );
  await add("refresh: lock the session", (db) => lockUserSessionForRefresh(db, claims.sub, claims.sid));
  await add("sign-in: the user by email", (db) => lockUserByEmail(db as Transaction<DB>, inputs.email));
  await add("sessions, first page (ordinary)", (db) => listActiveSessions(db, claims.sub, now, { limit: 51 }));
  await add("events, first page (ordinary)", (db) => listSecurityEvents(db, claims.sub, { limit: 21 }));
  await add(
    "admin user search: email prefix, first page",
    (db) => listUsers(db, { emailPrefix: inputs.adminPrefix, limit: inputs.adminPage + 1, now }),
  );
  const heavy = inputs.heavy;
  if (heavy) {
    const deep = await deepPositions(sql, heavy.userId);
    await add("sessions, first page (heavy)", (db) => listActiveSessions(db, heavy.userId, now, { limit: 51 }));
    await add(
      `sessions, page at ${SESSIONS_DEEP.toLocaleString("en")} (heavy)`,
      (db) => listActiveSessions(db, heavy.userId, now, { limit: 51, before: deep.session }),
    );
    await add("events, first page (heavy)", (db) => listSecurityEvents(db, heavy.userId, { limit: 21 }));
    await add(
      `events, page at ${EVENTS_DEEP.toLocaleString("en")} (heavy)`,
      (db) => listSecurityEvents(db, heavy.userId, { limit: 21, before: deep.event }),
    );
  }
  for (const table of Object.keys(EXPIRING_TABLES) as ExpiringTable[]) {
    await add(
      `housekeeping batch: ${table}`,
      (db) => deleteExpiredBatch(db, table, now, 500, { securityEventDays: 365 }),
    );
  }
  return plans;
}

/** Every size's plans as one text file. */
export function plansText(results: ScaleResults): string {
  return results.sizes.map((size) =>
    `######## ${size.users} users\n\n` +
    size.plans.map((plan) => `=== ${plan.name}\n${plan.sql}\n\n${plan.plan}\n`).join("\n")
  ).join("\n");
}
