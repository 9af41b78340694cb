import { z } from "@hono/zod-openapi";
import { AalSchema, AmrSchema } from "../../http/schemas.ts";
import { USER_STATUSES } from "../../user-statuses.ts";
import { SECURITY_EVENT_TYPES } from "../../security-event-types.ts";
import { AdminSessionSchema } from "../sessions/sessions.schemas.ts";

const UUID_EXAMPLE = "5b1f3c1e-8d9a-4c1e-9f7e-2a6b4f1d9c3a";
const TIME_EXAMPLE = "2026-11-29T08:00:00.000Z";

/** An RFC 3339 date-time with an offset that PostgreSQL can store (years 1–9999). */
function dateTime(description: string) {
  return z.iso.datetime({ offset: true })
    .refine((text) => {
      const year = new Date(text).getUTCFullYear();
      return year >= 1 && year <= 9999;
    }, "Years 1 to 9999")
    .openapi({ description, example: TIME_EXAMPLE });
}

const cursor = z.string().max(1024).regex(/^[A-Za-z0-9_-]+$/);

export const UserIdParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "User id", example: UUID_EXAMPLE }),
});

export const UserQuerySchema = z.object({
  email: z.string().max(254).optional().openapi({
    param: { name: "email", in: "query" },
    description: "A prefix of the normalized (trimmed, lower-case) address: `ada@` finds `Ada@Example.com`",
    example: "ada@",
  }),
  status: z.enum(USER_STATUSES).optional().openapi({
    param: { name: "status", in: "query" },
    description: "`disabled`: disabled by an administrator and not past `until`; `unverified`: not disabled, " +
      "address not verified; `active`: neither",
    example: "active",
  }),
  created_after: dateTime("Created at or after").optional().openapi({
    param: { name: "created_after", in: "query" },
  }),
  created_before: dateTime("Created before").optional().openapi({ param: { name: "created_before", in: "query" } }),
  cursor: cursor.optional().openapi({
    param: { name: "cursor", in: "query" },
    description: "Opaque `next_cursor` of the previous page (with the same filters); anything else is a 422",
  }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({
    param: { name: "limit", in: "query" },
    description: "Page size, 1–100",
    example: 20,
  }),
});

const DisabledSchema = z
  .object({
    at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
    until: z.string().nullable().openapi({
      format: "date-time",
      description: "Enabled again automatically from then; null: until enabled",
      example: null,
    }),
    reason: z.string().nullable().openapi({ example: "Chargeback fraud, ticket 4711" }),
  })
  .openapi("AdminUserDisabled");

export const AdminUserSchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    email: z.string().openapi({ description: "As typed at sign-up", example: "Ada@Example.com" }),
    name: z.string().nullable().openapi({ example: "Ada Lovelace" }),
    email_verified: z.boolean().openapi({ example: true }),
    status: z.enum(USER_STATUSES).openapi({ example: "active" }),
    created_at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
    disabled: DisabledSchema.nullable().openapi({ description: "Set while the account is disabled" }),
    deletion_due_at: z.string().nullable().openapi({
      format: "date-time",
      description: "Set while the account waits for erasure (status pending_deletion)",
      example: null,
    }),
  })
  .openapi("AdminUser");

export const AdminUserDetailSchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    email: z.string().openapi({ description: "As typed at sign-up", example: "Ada@Example.com" }),
    name: z.string().nullable().openapi({ example: "Ada Lovelace" }),
    email_verified: z.boolean().openapi({ example: true }),
    status: z.enum(USER_STATUSES).openapi({ example: "active" }),
    created_at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
    disabled: DisabledSchema.nullable().openapi({ description: "Set while the account is disabled" }),
    deletion_due_at: z.string().nullable().openapi({
      format: "date-time",
      description: "Set while the account waits for erasure (status pending_deletion)",
      example: null,
    }),
    active_sessions: z.number().int().openapi({ description: "Sessions that can still refresh", example: 2 }),
    sessions: z.array(AdminSessionSchema).openapi({
      description: "The newest 20 sessions that can still refresh, newest sign-in first, each with its device " +
        "and sign-in method (`active_sessions` counts them all)",
    }),
    last_sign_in_at: z.string().nullable().openapi({
      format: "date-time",
      description: "Latest successful sign-in in the audit trail",
      example: TIME_EXAMPLE,
    }),
    sign_in_lock: z
      .object({
        locked: z.boolean().openapi({
          description: "Failed sign-ins in the last hour reached the limit",
          example: false,
        }),
        failed_attempts_last_hour: z.number().int().openapi({ example: 1 }),
        limit: z.number().int().openapi({
          description: "Sign-ins per account per hour (`signin_account`)",
          example: 10,
        }),
      })
      .openapi({ description: "The per-account sign-in limit, from the failed sign-ins in the audit trail" }),
  })
  .openapi("AdminUserDetail");

export const AdminUserPageSchema = z
  .object({
    users: z.array(AdminUserSchema).openapi({ description: "In byte order of the normalized address" }),
    next_cursor: z.string().nullable().openapi({
      description: "Pass as `cursor` (with the same filters) for the next page; null on the last page",
      example: "WyJhZGFAZXhhbXBsZS5jb20iLCIzZjRhIl0",
    }),
  })
  .openapi("AdminUserPage");

export const DisableRequestSchema = z
  .object({
    reason: z.string().trim().min(1).max(500).openapi({
      description: "Why, for the audit trail",
      example: "Chargeback fraud, ticket 4711",
    }),
    until: dateTime("Enable again automatically from then (future); omit to disable until enabled").optional(),
  })
  .openapi("DisableUserRequest");

export const DeleteUserQuerySchema = z.object({
  immediate: z.enum(["true", "false"]).default("false").transform((value) => value === "true").openapi({
    description: "Erase at once instead of after ACCOUNT_DELETION_GRACE_DAYS",
    example: "false",
  }),
});

export const AdminUserDeletionSchema = z
  .object({
    deletion_due_at: z.string().openapi({
      format: "date-time",
      description: "When the account is (or was) erased",
      example: TIME_EXAMPLE,
    }),
    erased: z.boolean().openapi({
      description: "Erased before the answer (`immediate`, or no grace period)",
      example: false,
    }),
  })
  .openapi("AdminUserDeletion");

export const EventQuerySchema = z.object({
  user_id: z.uuid().optional().openapi({ param: { name: "user_id", in: "query" }, example: UUID_EXAMPLE }),
  type: z.enum(SECURITY_EVENT_TYPES).optional().openapi({
    param: { name: "type", in: "query" },
    example: "signin_failed",
  }),
  since: dateTime("Recorded at or after").optional().openapi({ param: { name: "since", in: "query" } }),
  until: dateTime("Recorded before").optional().openapi({ param: { name: "until", in: "query" } }),
  cursor: cursor.optional().openapi({
    param: { name: "cursor", in: "query" },
    description: "Opaque `next_cursor` of the previous page (same filters); with NDJSON, where the export starts",
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({
    param: { name: "limit", in: "query" },
    description: "Page size, 1–1000 (JSON pages only: an NDJSON export has no pages)",
    example: 100,
  }),
});

export const AdminSecurityEventSchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    user_id: z.uuid().nullable().openapi({
      description: "Null for a sign-in to an unknown address",
      example: UUID_EXAMPLE,
    }),
    type: z.enum(SECURITY_EVENT_TYPES).openapi({ example: "admin_account_disabled" }),
    ip: z.string().nullable().openapi({ example: "203.0.113.7" }),
    user_agent: z.string().nullable().openapi({ example: "curl/8.5.0" }),
    request_id: z.string().nullable().openapi({ example: "2c3b0b8e-5b0e-4a8e-9a59-8d1f1f6a9c11" }),
    created_at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
    actor: z.string().nullable().openapi({
      description: "The admin API key (its name) behind an admin action; null for the user's own events",
      example: "support-desk",
    }),
    details: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "What an admin action did, e.g. `{reason, until}` of a disable",
      example: { reason: "Chargeback fraud, ticket 4711", until: null },
    }),
  })
  .openapi("AdminSecurityEvent");

export const AdminSecurityEventPageSchema = z
  .object({
    events: z.array(AdminSecurityEventSchema).openapi({ description: "Oldest first" }),
    next_cursor: z.string().nullable().openapi({
      description: "Pass as `cursor` (same filters) for the next page; null on the last page",
      example: "WyIyMDI2LTExLTI5VDA4OjAwOjAwLjAwMFoiLCI1YjFmIl0",
    }),
  })
  .openapi("AdminSecurityEventPage");

export const IntrospectionRequestSchema = z
  .object({
    token: z.string().min(1).max(8192).openapi({
      description: "The access token to look at",
      example: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    }),
    token_type_hint: z.string().max(64).optional().openapi({
      description: "Ignored: only access tokens are introspected (RFC 7662 §2.1)",
      example: "access_token",
    }),
  })
  .openapi("IntrospectionRequest");

export const IntrospectionResponseSchema = z
  .object({
    active: z.boolean().openapi({ description: "True while a bearer route would accept the token", example: true }),
    sub: z.uuid().optional().openapi({ description: "User id", example: UUID_EXAMPLE }),
    sid: z.uuid().optional().openapi({ description: "Session id", example: UUID_EXAMPLE }),
    exp: z.number().int().optional().openapi({ description: "Expiry, seconds since the epoch", example: 1796025600 }),
    iat: z.number().int().optional().openapi({
      description: "Issued at, seconds since the epoch",
      example: 1796024700,
    }),
    token_type: z.literal("Bearer").optional().openapi({ example: "Bearer" }),
    amr: AmrSchema.optional(),
    aal: AalSchema.optional(),
    auth_time: z.number().int().optional().openapi({
      description: "When the user last proved who they are in this session, seconds since the epoch",
      example: 1796024700,
    }),
  })
  .openapi("IntrospectionResponse", {
    description: "RFC 7662 answer: only `active: false` for a revoked, expired, foreign or malformed token",
  });
