import type { Requester, UpstashRequest, UpstashResponse } from "@upstash/redis";
import { ErrorReply } from "redis";
import type { RespClient } from "../redis/connection.ts";
import { rewriteShebang, sha1Hex } from "./lua-shebang.ts";

type Item = UpstashResponse<unknown>;

/**
 * An @upstash/redis `Requester` that speaks RESP through node-redis, so the REST client
 * (and @upstash/ratelimit on top of it) can run against a self-hosted Redis.
 *
 * Requests arrive as Upstash REST bodies: one command array, or a list of them with
 * path ["pipeline"] / ["multi-exec"]. Redis error replies become `{ error }` items as the
 * REST API answers them; connection failures throw, so callers can tell them apart.
 * Replies are returned as plain values: the `Upstash-Encoding: base64` decoding happens
 * in the HTTP client, which a custom requester replaces.
 */
export function createRespRequester(client: RespClient): Requester {
  // The library names scripts by the SHA-1 of the original text; Redis names them by the
  // rewritten text. Remember the pairs seen through EVAL / SCRIPT LOAD.
  const shaAliases = new Map<string, string>();

  async function rewrite(args: string[]): Promise<string[]> {
    const name = args[0]?.toUpperCase();
    if ((name === "EVAL" || name === "EVAL_RO") && args.length > 1) {
      return [args[0], await rewriteScript(args[1]), ...args.slice(2)];
    }
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && args.length > 1) {
      return [args[0], aliasOf(args[1]), ...args.slice(2)];
    }
    const sub = args[1]?.toUpperCase();
    if (name === "SCRIPT" && sub === "LOAD" && args.length > 2) {
      return [args[0], args[1], await rewriteScript(args[2])];
    }
    if (name === "SCRIPT" && sub === "EXISTS") {
      return [args[0], args[1], ...args.slice(2).map(aliasOf)];
    }
    return args;
  }

  async function rewriteScript(script: string): Promise<string> {
    const rewritten = rewriteShebang(script);
    if (rewritten !== script) {
      shaAliases.set(await sha1Hex(script), await sha1Hex(rewritten));
    }
    return rewritten;
  }

  function aliasOf(sha: string): string {
    return shaAliases.get(sha.toLowerCase()) ?? sha;
  }

  async function run(command: string[]): Promise<Item> {
    const original = command;
    try {
      const reply = await client.sendCommand(await rewrite(command));
      if (isScriptLoad(original) && typeof reply === "string") {
        // Callers compare and EVALSHA with the digest of the script they sent.
        return { result: await sha1Hex(original[2]) };
      }
      return { result: plain(reply) };
    } catch (error) {
      if (error instanceof ErrorReply) return { error: error.message };
      throw error;
    }
  }

  function runMulti(commands: string[][]): Promise<Item[]> {
    return Promise.all(commands.map(rewrite)).then(async (rewritten) => {
      // Queued in one synchronous burst: nothing else can interleave on the connection.
      const sent = [["MULTI"], ...rewritten, ["EXEC"]].map((args) => client.sendCommand(args));
      const settled = await Promise.allSettled(sent);
      const failed = settled.find((s) => s.status === "rejected" && !(s.reason instanceof ErrorReply));
      if (failed?.status === "rejected") throw failed.reason;
      const exec = settled[settled.length - 1];
      if (exec.status === "rejected") {
        const message = (exec.reason as Error).message;
        return commands.map(() => ({ error: message }));
      }
      const replies = exec.value as unknown[];
      return replies.map((reply) => reply instanceof Error ? { error: reply.message } : { result: plain(reply) });
    });
  }

  return {
    async request<TResult>(
      req: UpstashRequest,
    ): Promise<UpstashResponse<TResult>> {
      // node-redis only fails fast for single commands when the offline queue is off;
      // checking here keeps every path from queueing behind a dead connection.
      if (!client.isReady) throw new Error("Redis connection is not ready");
      const path = req.path ?? [];
      const body = req.body as unknown[];
      if (path.length === 0) {
        return await run(toArgs(body)) as UpstashResponse<TResult>;
      }
      if (path[0] === "pipeline" && path.length === 1) {
        const items = await Promise.all(
          (body as unknown[][]).map((c) => run(toArgs(c))),
        );
        return items as unknown as UpstashResponse<TResult>;
      }
      if (path[0] === "multi-exec" && path.length === 1) {
        const items = await runMulti((body as unknown[][]).map(toArgs));
        return items as unknown as UpstashResponse<TResult>;
      }
      throw new Error(`Unsupported request path: /${path.join("/")}`);
    },
  };
}

function isScriptLoad(args: string[]): boolean {
  return args[0]?.toUpperCase() === "SCRIPT" &&
    args[1]?.toUpperCase() === "LOAD" && args.length > 2;
}

/** The REST body holds strings, numbers and booleans; RESP wants strings. */
function toArgs(command: unknown[]): string[] {
  return command.map((arg) =>
    typeof arg === "string" ? arg : typeof arg === "object" ? JSON.stringify(arg) : String(arg)
  );
}

/** Matches the REST API's JSON: nil is null, nested error replies become their message. */
function plain(reply: unknown): unknown {
  if (reply === undefined || reply === null) return null;
  if (Array.isArray(reply)) return reply.map(plain);
  if (reply instanceof Error) return reply.message;
  return reply;
}
