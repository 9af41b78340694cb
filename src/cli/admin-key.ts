/**
 * `deno task admin-key …`: admin API keys from the command line. The rules (names, scopes,
 * expiry, hashing) live in the admin key service; this module only parses words and prints.
 * @module
 */
import { AppError } from "../errors.ts";
import type { AdminKeyService, AdminKeyView } from "../services/admin/api-keys.ts";
import { ADMIN_SCOPES } from "../services/admin/scopes.ts";

/** The words `deno task admin-key` understands. */
export const ADMIN_KEY_COMMANDS = ["create", "list", "revoke"];

export const ADMIN_KEY_USAGE = `usage: deno task admin-key <command>
  create --name N --scopes a,b [--expires-days D]   a new key, printed once (scopes: ${ADMIN_SCOPES.join(", ")})
  list                                              every key with its scopes and dates (never the key)
  revoke NAME                                       the key stops working on every instance at once`;

export interface AdminKeyCommandContext {
  keys: AdminKeyService;
  out(line: string): void;
  err(line: string): void;
}

function describe(key: AdminKeyView): string {
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : key.expires_at ? `expires ${key.expires_at}` : "live";
  const used = key.last_used_at ? `last used ${key.last_used_at}` : "never used";
  return `${key.name}  ${key.scopes.join(",")}  created ${key.created_at}, ${used}, ${state}`;
}

/** `--flag value` pairs; undefined when a flag has no value or is unknown. */
function flags(args: string[], known: string[]): Record<string, string> | undefined {
  const parsed: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (!known.includes(flag) || value === undefined) return undefined;
    parsed[flag] = value;
  }
  return parsed;
}

/** Runs one admin-key command; returns the exit code. */
export async function runAdminKeyCommand(args: string[], context: AdminKeyCommandContext): Promise<number> {
  const { keys, out, err } = context;
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "create": {
        const parsed = flags(rest, ["--name", "--scopes", "--expires-days"]);
        if (!parsed?.["--name"] || !parsed["--scopes"]) {
          err(ADMIN_KEY_USAGE);
          return 2;
        }
        const days = parsed["--expires-days"];
        const { key, view } = await keys.create({
          name: parsed["--name"],
          scopes: parsed["--scopes"].split(",").map((scope) => scope.trim()).filter(Boolean),
          expiresDays: days === undefined ? undefined : Number(days),
        });
        out(describe(view));
        out(key);
        err("the key is shown this once: only its SHA-256 is stored");
        return 0;
      }
      case "list": {
        const all = await keys.list();
        if (all.length === 0) out("no admin API keys");
        for (const key of all) out(describe(key));
        return 0;
      }
      case "revoke": {
        if (!rest[0]) {
          err("revoke needs a NAME (see deno task admin-key list)");
          return 2;
        }
        out(describe(await keys.revoke(rest[0])));
        return 0;
      }
      default:
        err(ADMIN_KEY_USAGE);
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
