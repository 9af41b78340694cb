import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { DB } from "../../db/schema.ts";
import type { Logger } from "../../logger.ts";
import type { Observer } from "../../observer.ts";
import type { Revocations } from "../revocation/revocations.ts";
import type { TokenSigner } from "./tokens.ts";

/** What the session services share: built once per instance. */
export interface SessionContext {
  db: Kysely<DB>;
  config: Config;
  clock: Clock;
  logger: Logger;
  signer: TokenSigner;
  revocations: Revocations;
  /** Counts the security events recorded (metrics) */
  observer: Observer;
  /** New ids for sessions' tokens (injectable for tests) */
  newId: () => string;
}
