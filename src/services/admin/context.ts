import type { Observer } from "../../observer.ts";
import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { DB } from "../../db/schema.ts";
import type { AccountService } from "../accounts/service.ts";
import type { RequestMeta } from "../identity.ts";
import type { SessionService } from "../sessions/service.ts";

/** What the admin operations share: built once per instance. */
export interface AdminContext {
  db: Kysely<DB>;
  config: Config;
  clock: Clock;
  sessions: Pick<SessionService, "revokeAllSessions" | "introspect">;
  accounts: Pick<AccountService, "requestPasswordReset" | "scheduleDeletion">;
  /** Counts each admin action among the auth events once it has committed */
  observer: Observer;
}

/** Who acts: the admin API key's name and the request it came with. */
export interface AdminActor {
  name: string;
  meta: RequestMeta;
}
