import type { AccessTokenIntrospection } from "../sessions/authenticate.ts";
import type { AdminActor, AdminContext } from "./context.ts";
import { type AdminEventPage, type AdminEventView, type EventQuery, exportEvents, listEventPage } from "./events.ts";
import {
  type AdminUserDetail,
  type AdminUserPage,
  deleteAccount,
  disableAccount,
  enableAccount,
  listUserPage,
  sendPasswordReset,
  signOutEverywhere,
  userDetail,
  type UserQuery,
} from "./users.ts";

/** What the admin API does; every method is called with an admin key already checked for its scope. */
export interface AdminService {
  listUsers(query: UserQuery): Promise<AdminUserPage>;
  getUser(id: string): Promise<AdminUserDetail>;
  disableUser(id: string, input: { reason: string; until?: Date }, actor: AdminActor): Promise<AdminUserDetail>;
  enableUser(id: string, actor: AdminActor): Promise<AdminUserDetail>;
  signOutUser(id: string, actor: AdminActor): Promise<void>;
  sendPasswordReset(id: string, actor: AdminActor): Promise<void>;
  /** The owner's deletion path; `immediate` erases at once instead of after the grace period */
  deleteUser(
    id: string,
    options: { immediate: boolean },
    actor: AdminActor,
  ): Promise<{ deletionDueAt: Date; erased: boolean }>;
  listEvents(query: EventQuery): Promise<AdminEventPage>;
  exportEvents(query: EventQuery): Promise<AsyncIterable<AdminEventView[]>>;
  /** RFC 7662: what an access token says, when it is usable; through the bearer check's path */
  introspect(token: string): Promise<AccessTokenIntrospection>;
}

export function createAdminService(ctx: AdminContext): AdminService {
  return {
    listUsers: (query) => listUserPage(ctx, query),
    getUser: (id) => userDetail(ctx, id),
    disableUser: (id, input, actor) => disableAccount(ctx, id, input, actor),
    enableUser: (id, actor) => enableAccount(ctx, id, actor),
    signOutUser: (id, actor) => signOutEverywhere(ctx, id, actor),
    sendPasswordReset: (id, actor) => sendPasswordReset(ctx, id, actor),
    deleteUser: (id, options, actor) => deleteAccount(ctx, id, options, actor),
    listEvents: (query) => listEventPage(ctx, query),
    exportEvents: (query) => exportEvents(ctx, query),
    introspect: (token) => ctx.sessions.introspect(token),
  };
}
