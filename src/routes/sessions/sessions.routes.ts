import { defineRoute } from "../../http/define-route.ts";
import { CurrentUserSchema, SIGNED_IN_LINKS, TokenPairSchema } from "../../http/schemas.ts";
import {
  EndSessionsQuerySchema,
  RefreshRequestSchema,
  RenameSessionRequestSchema,
  SecurityEventPageSchema,
  SecurityEventQuerySchema,
  SessionIdParamsSchema,
  SessionListQuerySchema,
  SessionListSchema,
  SessionSchema,
} from "./sessions.schemas.ts";

const TAGS = ["Sessions"];

export const refresh = defineRoute({
  method: "post",
  path: "/auth/refresh",
  operationId: "refreshTokens",
  tags: TAGS,
  summary: "Rotate a refresh token",
  description: "Exchanges a refresh token for a new access and refresh token; the presented refresh token is " +
    "consumed and can never be used again (rotation, RFC 9700). Refresh tokens are single-use and tied to " +
    "one session.\n\n" +
    "**Reuse grace:** for `REFRESH_REUSE_GRACE_SECONDS` (10 by default) after a refresh token was exchanged, " +
    "presenting it again for its still-live session from the same client (the same `User-Agent` from the same " +
    "address; an IPv6 client counts as its /64) returns the same pair as the first exchange — 200, no second " +
    "rotation, no revocation — so two tabs or a retried request that refresh at once both carry on. Each such " +
    "answer records a `refresh_token_grace_replay` security event. The pair is kept for that window only, " +
    "sealed with a key derived from the refresh token it answers (never stored in clear). A pair handed out " +
    "this way opens no grace of its own: once its refresh token has been exchanged, presenting it again is " +
    "reuse. Clients should let one tab refresh at a time and share the result.\n\n" +
    "**Reuse detection:** presenting a refresh token that was already exchanged, after the grace window or " +
    "from another client within it, revokes its whole session: every refresh token and every access token " +
    "issued in it stop working, and a `refresh_token_reused` security event is recorded. Other sessions of the " +
    "user are not affected. Clients should still keep only the newest refresh token.\n\n" +
    "**Absolute lifetime:** a session ends `SESSION_MAX_LIFETIME_SECONDS` (default 90 days) after sign-in, " +
    "however often it is refreshed; after that its refresh token gets 401 `invalid_token` and the user signs in " +
    "again.\n\n" +
    "401 `invalid_token` also covers an expired, tampered or unknown token, an access token sent instead of a " +
    "refresh token, and a session ended by logout, logout-all or a password reset. A refresh token of an " +
    "account an administrator disabled gets 403 `account_disabled`.",
  tier: "general",
  rateLimitKey: "ip",
  errors: ["invalid_token", "account_disabled", "service_unavailable"],
  request: {
    body: { required: true, content: { "application/json": { schema: RefreshRequestSchema } } },
  },
  responses: {
    200: {
      description: "A new token pair; the presented refresh token is spent",
      content: { "application/json": { schema: TokenPairSchema } },
      links: SIGNED_IN_LINKS,
    },
  },
});

export const logout = defineRoute({
  method: "post",
  path: "/auth/logout",
  operationId: "logout",
  tags: TAGS,
  summary: "Sign out of this session",
  description: "Revokes the session of the presented access token: the access token is denylisted until it " +
    "expires and the session's refresh token stops working, on every instance from the next request. " +
    "Other sessions are unaffected. Records a `logout` security event.",
  tier: "general",
  auth: true,
  responses: { 204: { description: "Signed out" } },
});

export const logoutAll = defineRoute({
  method: "post",
  path: "/auth/logout-all",
  operationId: "logoutAll",
  tags: TAGS,
  summary: "Sign out everywhere",
  description: "Increments the user's token version and revokes every session: every access and refresh token " +
    "issued so far is refused from the next request, on every instance. Sign in again to get a new pair. " +
    "Records a `logout_all` security event.",
  tier: "general",
  auth: true,
  responses: { 204: { description: "Every session ended" } },
});

export const me = defineRoute({
  method: "get",
  path: "/auth/me",
  operationId: "getCurrentUser",
  tags: TAGS,
  summary: "The signed-in user",
  description: "Returns the account of the access token's user. A user deleted since the token was issued " +
    "gets 401 `invalid_token`.",
  tier: "general",
  auth: "user",
  responses: {
    200: { description: "The user", content: { "application/json": { schema: CurrentUserSchema } } },
  },
});

export const listSessions = defineRoute({
  method: "get",
  path: "/auth/sessions",
  operationId: "listSessions",
  tags: TAGS,
  summary: "List active sessions",
  description: "The user's sessions that can still refresh (not revoked, not expired), newest sign-in " +
    "first, with the address and user agent of their latest use. Each says which `device` it is (browser, " +
    "OS and type, parsed once at sign-in), how it was signed in (`method`, `amr`, `aal`), whether the " +
    "sign-in came from a known device (`known_device`: it sent a valid `device_token`) and the `name` its " +
    "owner gave it. `current` marks the session making the request. Paginate with the opaque `next_cursor` (pages of `limit`, default 50, at most 100), signed for " +
    "the user it was issued to: any other cursor (forged, altered, another user's) is 422 `validation_failed`.",
  tier: "general",
  auth: true,
  request: { query: SessionListQuerySchema },
  responses: {
    200: {
      description: "One page of active sessions",
      content: { "application/json": { schema: SessionListSchema } },
      links: {
        revokeSession: {
          operationId: "revokeSession",
          description: "Revoke a listed session, for example the first one",
          parameters: { id: "$response.body#/sessions/0/id" },
        },
        renameSession: {
          operationId: "renameSession",
          description: "Name a listed session, for example the first one",
          parameters: { id: "$response.body#/sessions/0/id" },
        },
        nextPage: {
          operationId: "listSessions",
          description: "The next page, while `next_cursor` is not null",
          parameters: { cursor: "$response.body#/next_cursor" },
        },
      },
    },
  },
});

export const revokeSession = defineRoute({
  method: "delete",
  path: "/auth/sessions/{id}",
  operationId: "revokeSession",
  tags: TAGS,
  summary: "Revoke one session",
  description: "Ends one of the user's sessions (for example a lost device): its refresh token and access " +
    "tokens stop working. Records a `session_revoked` security event. An id that is unknown, already " +
    "ended or another user's is 404 `not_found` (never 403, so ids of other users cannot be probed); an id " +
    "that is not a UUID is 422 `validation_failed`.",
  tier: "general",
  auth: true,
  errors: ["not_found"],
  request: { params: SessionIdParamsSchema },
  responses: { 204: { description: "Session revoked" } },
});

export const renameSession = defineRoute({
  method: "patch",
  path: "/auth/sessions/{id}",
  operationId: "renameSession",
  tags: TAGS,
  summary: "Name one session",
  description: 'Gives one of the user\'s live sessions a `name` ("Work laptop") that GET /auth/sessions shows; ' +
    "send it again to rename. The name is 1–50 characters; control and bidirectional formatting characters " +
    "are refused (422 `validation_failed`), other invisible ones removed. An id that is unknown, ended or " +
    "another user's is 404 `not_found`, as for DELETE.",
  tier: "general",
  auth: true,
  errors: ["not_found"],
  request: {
    params: SessionIdParamsSchema,
    body: { required: true, content: { "application/json": { schema: RenameSessionRequestSchema } } },
  },
  responses: {
    200: {
      description: "The session with its new name",
      content: { "application/json": { schema: SessionSchema } },
    },
  },
});

export const endOtherSessions = defineRoute({
  method: "delete",
  path: "/auth/sessions",
  operationId: "endOtherSessions",
  tags: TAGS,
  summary: "End every other session",
  description: "With `except=current`, ends every session of the user but the one making the request, in one " +
    "call: their refresh tokens and access tokens stop working on every instance before the answer, and a " +
    "`session_revoked` security event (and `session.revoked` webhook) is recorded for each, as when each is " +
    "revoked by DELETE /auth/sessions/{id}. The caller's own session and tokens keep working. With no other " +
    "session it changes nothing and still answers 204. Without `except` it is 422 `validation_failed`.",
  tier: "general",
  auth: true,
  request: { query: EndSessionsQuerySchema },
  responses: { 204: { description: "Every other session ended" } },
});

export const securityEvents = defineRoute({
  method: "get",
  path: "/auth/security-events",
  operationId: "listSecurityEvents",
  tags: TAGS,
  summary: "The user's security audit trail",
  description: "The caller's own security events (sign-ins, failed sign-ins, verification, password resets, " +
    "logouts, revoked sessions, refresh-token reuse), newest first. Paginate with the opaque `next_cursor`, " +
    "signed for the user it was issued to: any other cursor (forged, altered, another user's) is 422 `validation_failed`.",
  tier: "general",
  auth: true,
  request: { query: SecurityEventQuerySchema },
  responses: {
    200: {
      description: "One page of events",
      content: { "application/json": { schema: SecurityEventPageSchema } },
      links: {
        nextPage: {
          operationId: "listSecurityEvents",
          description: "The next page, while `next_cursor` is not null",
          parameters: { cursor: "$response.body#/next_cursor" },
        },
      },
    },
  },
});
