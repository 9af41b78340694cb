/** What the activity-mail tests share: signing in as a given device, reading the activity mails and their tokens. */
import type { TestDatabase } from "../helpers/database.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { jsonBody } from "../helpers/http.ts";
import type { ReceivedMail, SmtpPeer } from "../helpers/smtp.ts";
import { NOT_ME_TOKEN_IN_TEXT } from "../../src/mail/activity-templates.ts";
import type { SecurityEventType } from "../../src/security-event-types.ts";

export const FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
export const SAFARI_ON_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 " +
  "Mobile/15E148 Safari/604.1";

/** Limits no test here meets unless it is about them. */
export const ACTIVITY_ENV = {
  RATE_LIMIT_SENSITIVE_PER_MINUTE: "10000",
  RATE_LIMIT_GENERAL_PER_MINUTE: "10000",
};

/** POST /auth/signin as a device: its user agent, its socket address, the device token it holds. */
export async function signInAs(
  app: AccountsApp,
  email: string,
  device: { userAgent?: string; ip?: string; deviceToken?: string; password?: string } = {},
) {
  const body = { email, password: device.password ?? PASSWORD, device_token: device.deviceToken };
  const headers: Record<string, string> = device.userAgent ? { "User-Agent": device.userAgent } : {};
  const response = await app.request("/auth/signin", jsonBody(body, headers), device.ip ?? "203.0.113.7");
  assertEquals(response.status, 200, await response.clone().text());
  return await response.json();
}

/** Delivers due mail; the activity mails the address received so far (oldest first). */
export async function activityMailsTo(app: AccountsApp, smtp: SmtpPeer, address: string): Promise<ReceivedMail[]> {
  await app.deliverMail();
  return smtp.inbox(address).filter((mail) => NOT_ME_TOKEN_IN_TEXT.test(mail.text));
}

/** The "this wasn't me" token an activity mail carries. */
export function notMeTokenIn(mail: Pick<ReceivedMail, "text">): string {
  const match = NOT_ME_TOKEN_IN_TEXT.exec(mail.text);
  assert(match, "the mail carries a not-me token");
  return match[1];
}

/** How many events of a type the user's trail holds. */
export async function countEvents(database: TestDatabase, userId: string, type: SecurityEventType): Promise<number> {
  const rows = await database.db.selectFrom("security_events").select("id").where("user_id", "=", userId)
    .where("type", "=", type).execute();
  return rows.length;
}

/** The user id of an address. */
export async function userIdOf(database: TestDatabase, email: string): Promise<string> {
  const row = await database.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return row.id;
}
