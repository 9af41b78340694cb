import { defineRoute } from "../../http/define-route.ts";
import {
  AdminSecurityEventPageSchema,
  AdminSecurityEventSchema,
  AdminUserDeletionSchema,
  AdminUserDetailSchema,
  AdminUserPageSchema,
  DeleteUserQuerySchema,
  DisableRequestSchema,
  EventQuerySchema,
  IntrospectionRequestSchema,
  IntrospectionResponseSchema,
  UserIdParamsSchema,
  UserQuerySchema,
} from "./admin.schemas.ts";

const TAGS = ["Admin"];
const INSTANT = "The change is committed, and published to every instance's revocation check, before the answer.";

export const listUsers = defineRoute({
  method: "get",
  path: "/admin/users",
  operationId: "adminListUsers",
  tags: TAGS,
  summary: "Find users",
  description: "Users in byte order of their normalized address, filtered by an address prefix, a status and a " +
    "creation range; paginate with the opaque `next_cursor` (keyset: every user exactly once, however the " +
    "table changes between pages). A cursor this service did not issue is 422 `validation_failed`.",
  tier: "admin",
  adminScope: "users:read",
  request: { query: UserQuerySchema },
  responses: {
    200: {
      description: "One page of users",
      content: { "application/json": { schema: AdminUserPageSchema } },
      links: {
        nextPage: {
          operationId: "adminListUsers",
          description: "The next page, while `next_cursor` is not null",
          parameters: { cursor: "$response.body#/next_cursor" },
        },
      },
    },
  },
});

export const getUser = defineRoute({
  method: "get",
  path: "/admin/users/{id}",
  operationId: "adminGetUser",
  tags: TAGS,
  summary: "One user in detail",
  description: "The user with its status, live sessions, last sign-in and the per-account sign-in lockout. An " +
    "unknown id is 404 `not_found`.",
  tier: "admin",
  adminScope: "users:read",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema },
  responses: { 200: { description: "The user", content: { "application/json": { schema: AdminUserDetailSchema } } } },
});

export const disableUser = defineRoute({
  method: "post",
  path: "/admin/users/{id}/disable",
  operationId: "adminDisableUser",
  tags: TAGS,
  summary: "Disable a user",
  description: "Disables the account and ends every session and token of it on every instance. " + INSTANT +
    " Sign-in with the right password and refresh then get 403 `account_disabled` (a wrong password is the " +
    "same 401 `invalid_credentials` as ever, so guessers learn nothing) until the account is enabled or " +
    "`until` has passed. Records `admin_account_disabled` with the key's name as `actor` and the reason. " +
    "Disabling a disabled account replaces its reason and `until`.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: {
    params: UserIdParamsSchema,
    body: { content: { "application/json": { schema: DisableRequestSchema } } },
  },
  responses: {
    200: { description: "Disabled", content: { "application/json": { schema: AdminUserDetailSchema } } },
  },
});

export const enableUser = defineRoute({
  method: "post",
  path: "/admin/users/{id}/enable",
  operationId: "adminEnableUser",
  tags: TAGS,
  summary: "Enable a user",
  description: "Lifts a disable: sign-in works again (the sessions the disable ended stay ended). Records " +
    "`admin_account_enabled`. Enabling an account that is not disabled changes nothing but the record.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema },
  responses: {
    200: { description: "Enabled", content: { "application/json": { schema: AdminUserDetailSchema } } },
  },
});

export const signOutUser = defineRoute({
  method: "post",
  path: "/admin/users/{id}/sign-out",
  operationId: "adminSignOutUser",
  tags: TAGS,
  summary: "Sign a user out everywhere",
  description: "Ends every session and token of the user, as logout-all does. " + INSTANT +
    " Records `admin_signed_out`.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema },
  responses: { 204: { description: "Every session ended" } },
});

export const sendPasswordReset = defineRoute({
  method: "post",
  path: "/admin/users/{id}/send-password-reset",
  operationId: "adminSendPasswordReset",
  tags: TAGS,
  summary: "Mail a user a password-reset link",
  description: "Queues the reset mail POST /auth/request-password-reset would send (right after the answer; " +
    "at most one reset mail a minute per address, so within a minute of the last one nothing more is sent). " +
    "Records `admin_password_reset_sent`.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema },
  responses: { 202: { description: "Queued" } },
});

export const deleteUser = defineRoute({
  method: "delete",
  path: "/admin/users/{id}",
  operationId: "adminDeleteUser",
  tags: TAGS,
  summary: "Delete a user",
  description: "The same path as the owner's POST /auth/delete-account: the account stops working at once " +
    "(every session and token dies on every instance before the answer; sign-in answers as for an unknown " +
    "address), the owner is mailed a token that keeps it within ACCOUNT_DELETION_GRACE_DAYS, and housekeeping " +
    "erases it after that. With `immediate=true` it is erased before the answer. Records `admin_account_deleted`.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema, query: DeleteUserQuerySchema },
  responses: {
    202: {
      description: "Deleted; erased at `deletion_due_at` (already, when `erased` is true)",
      content: { "application/json": { schema: AdminUserDeletionSchema } },
    },
  },
});

export const listEvents = defineRoute({
  method: "get",
  path: "/admin/security-events",
  operationId: "adminListSecurityEvents",
  tags: TAGS,
  summary: "Every user's security events: pages or an NDJSON export",
  description: "Events of all users, oldest first, filtered by user, type and a time range. With " +
    "`Accept: application/json` (default) one page and `next_cursor`; with `Accept: application/x-ndjson` " +
    "the whole range (from `cursor` when given) streamed as one JSON object per line, read from the " +
    "database in batches as the client consumes them, so an export of any size holds one batch in memory " +
    "(for a SIEM). Admin actions carry the acting key's name in `actor` and what they did in `details`.",
  tier: "admin",
  adminScope: "audit:read",
  request: { query: EventQuerySchema },
  responses: {
    200: {
      description: "A page of events (JSON), or every event of the range, one per line (NDJSON)",
      content: {
        "application/json": { schema: AdminSecurityEventPageSchema },
        "application/x-ndjson": { schema: AdminSecurityEventSchema },
      },
    },
  },
});

export const introspect = defineRoute({
  method: "post",
  path: "/oauth/introspect",
  operationId: "introspectToken",
  tags: TAGS,
  summary: "Token introspection for resource servers (RFC 7662)",
  description: "Whether an access token is usable right now, and whose: `active: true` with `sub`, `sid`, " +
    "`exp`, `iat` and `token_type` exactly when a bearer route of this service would accept it (the same " +
    "signature, revocation and cache checks); `active: false` and nothing else for a revoked, expired, " +
    "foreign or malformed token. Authorised by an admin API key with `tokens:introspect`.",
  tier: "admin",
  adminScope: "tokens:introspect",
  request: {
    body: { content: { "application/x-www-form-urlencoded": { schema: IntrospectionRequestSchema } } },
  },
  responses: {
    200: { description: "The token's state", content: { "application/json": { schema: IntrospectionResponseSchema } } },
  },
});
