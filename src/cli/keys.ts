/**
 * `deno task keys …`: the signing keys' life cycle from the command line. The rules (standby
 * period, one current key, automatic retirement) live in the key service; this module only
 * parses words and prints.
 * @module
 */
import { AppError } from "../errors.ts";
import type { KeyAlgorithm, KeyService, KeyView } from "../services/keys/service.ts";

/** The words `deno task keys` understands. */
export const KEY_COMMANDS = ["generate", "list", "activate", "retire", "revoke"];

export const KEYS_USAGE = `usage: deno task keys <command>
  generate [EdDSA|ES256]   a new key pair in standby (default: JWT_SIGNING_ALG), published in the JWKS at once
  list                     every key with its state and dates
  activate KID             standby → current, once it has been published long enough; the current key becomes previous
  retire KID               standby → retired, or previous → retired once its tokens have expired; refused everywhere at once
  revoke KID               standby, previous or retired → revoked: its tokens are refused on every instance at once`;

export interface KeysCommandContext {
  keys: KeyService;
  /** JWT_SIGNING_ALG: the default algorithm of `generate` */
  signingAlg: string;
  out(line: string): void;
  err(line: string): void;
  /** After a retirement or revocation: whether the shared revocation cache holds it (undefined without Redis) */
  revocationCached?(kid: string): Promise<boolean | undefined>;
}

function describe(key: KeyView): string {
  const when = [
    `created ${key.created_at}`,
    key.activatable_at && `activatable from ${key.activatable_at}`,
    key.activated_at && `activated ${key.activated_at}`,
    key.superseded_at && `superseded ${key.superseded_at}`,
    key.retires_at && `retires ${key.retires_at}`,
    key.retired_at && `retired ${key.retired_at}`,
    key.revoked_at && `revoked ${key.revoked_at}`,
  ].filter(Boolean);
  return `${key.kid}  ${key.alg.padEnd(5)}  ${key.state.padEnd(8)}  ${when.join(", ")}`;
}

/** Runs one keys command; returns the exit code. */
export async function runKeysCommand(args: string[], context: KeysCommandContext): Promise<number> {
  const { keys, out, err } = context;
  const [command, argument] = args;
  try {
    switch (command) {
      case "generate": {
        const alg = argument ?? context.signingAlg;
        if (alg !== "EdDSA" && alg !== "ES256") {
          err("generate needs an algorithm: EdDSA or ES256 (JWT_SIGNING_ALG is HS256)");
          return 2;
        }
        out(describe(await keys.generate(alg as KeyAlgorithm)));
        return 0;
      }
      case "list": {
        const all = await keys.list();
        if (all.length === 0) out("no signing keys");
        for (const key of all) out(describe(key));
        return 0;
      }
      case "activate":
      case "retire":
      case "revoke": {
        if (!argument) {
          err(`${command} needs a KID (see deno task keys list)`);
          return 2;
        }
        out(describe(await keys[command](argument)));
        if (command !== "activate" && await context.revocationCached?.(argument) === false) {
          err(
            `the ${command === "retire" ? "retirement" : "revocation"} is in PostgreSQL, but Redis did not take it: ` +
              "instances may accept this key's tokens " +
              "from their cache for up to 60 s; run revoke once Redis answers",
          );
          return 1;
        }
        return 0;
      }
      default:
        err(KEYS_USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof AppError) {
      err(`error: ${error.detail}`);
      return 1;
    }
    throw error;
  }
}
