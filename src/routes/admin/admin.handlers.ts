import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { adminActorOf } from "../../http/request-context.ts";
import { describeError } from "../../logger.ts";
import type { AdminEventView } from "../../services/admin/events.ts";
import type * as routes from "./admin.routes.ts";

const NDJSON = "application/x-ndjson";

function admin(c: Context<AppEnv>) {
  return c.get("deps").admin;
}

function date(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : new Date(text);
}

export const listUsers: RouteHandler<typeof routes.listUsers, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const page = await admin(c).listUsers({
    ...query,
    created_after: date(query.created_after),
    created_before: date(query.created_before),
  });
  return c.json(page, 200);
};

export const getUser: RouteHandler<typeof routes.getUser, AppEnv> = async (c) => {
  return c.json(await admin(c).getUser(c.req.valid("param").id), 200);
};

export const disableUser: RouteHandler<typeof routes.disableUser, AppEnv> = async (c) => {
  const { reason, until } = c.req.valid("json");
  const user = await admin(c).disableUser(c.req.valid("param").id, { reason, until: date(until) }, adminActorOf(c));
  return c.json(user, 200);
};

export const enableUser: RouteHandler<typeof routes.enableUser, AppEnv> = async (c) => {
  return c.json(await admin(c).enableUser(c.req.valid("param").id, adminActorOf(c)), 200);
};

export const signOutUser: RouteHandler<typeof routes.signOutUser, AppEnv> = async (c) => {
  await admin(c).signOutUser(c.req.valid("param").id, adminActorOf(c));
  return c.body(null, 204);
};

export const deleteUser: RouteHandler<typeof routes.deleteUser, AppEnv> = async (c) => {
  const { deletionDueAt, erased } = await admin(c).deleteUser(
    c.req.valid("param").id,
    { immediate: c.req.valid("query").immediate },
    adminActorOf(c),
  );
  return c.json({ deletion_due_at: deletionDueAt.toISOString(), erased }, 202);
};

export const sendPasswordReset: RouteHandler<typeof routes.sendPasswordReset, AppEnv> = async (c) => {
  await admin(c).sendPasswordReset(c.req.valid("param").id, adminActorOf(c));
  return c.body(null, 202);
};

export const listEvents: RouteHandler<typeof routes.listEvents, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const filter = { ...query, since: date(query.since), until: date(query.until) };
  if (!(c.req.header("Accept") ?? "").toLowerCase().includes(NDJSON)) {
    return c.json(await admin(c).listEvents(filter), 200);
  }
  const batches = await admin(c).exportEvents(filter);
  return c.body(ndjsonStream(c, batches), 200, { "Content-Type": NDJSON }) as never;
};

/**
 * One line per event, pulled batch by batch as the client reads: nothing is read from the
 * database ahead of what the connection takes. A failure midway ends the stream early
 * (the status went out with the first byte) and is logged.
 */
function ndjsonStream(c: Context<AppEnv>, batches: AsyncIterable<AdminEventView[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  const { logger } = c.get("deps");
  const requestId = c.get("requestId");
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) return controller.close();
        controller.enqueue(encoder.encode(next.value.map((event) => JSON.stringify(event) + "\n").join("")));
      } catch (error) {
        logger.error("security event export failed", { request_id: requestId, error: describeError(error) });
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  }, { highWaterMark: 0 });
}

export const introspect: RouteHandler<typeof routes.introspect, AppEnv> = async (c) => {
  const { token } = c.req.valid("form");
  return c.json(await admin(c).introspect(token), 200);
};
