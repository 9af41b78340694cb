import { z } from "@hono/zod-openapi";
import { AalSchema, AmrSchema } from "../../http/schemas.ts";
import { SECURITY_EVENT_TYPES } from "../../security-event-types.ts";

const UUID_EXAMPLE = "5b1f3c1e-8d9a-4c1e-9f7e-2a6b4f1d9c3a";

export const RefreshRequestSchema = z
  .object({
    refresh_token: z.string().min(1).max(4096).openapi({
      description: "The refresh token of the last pair this session received",
      example: "eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    }),
  })
  .openapi("RefreshRequest");

export const SessionSchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    created_at: z.string().openapi({ format: "date-time", example: "2026-11-27T18:00:00.000Z" }),
    last_used_at: z.string().openapi({
      format: "date-time",
      description: "Sign-in or latest refresh",
      example: "2026-11-28T09:30:00.000Z",
    }),
    ip: z.string().nullable().openapi({ description: "Client address at the latest use", example: "203.0.113.7" }),
    user_agent: z.string().nullable().openapi({ example: "JessyApp/2.3 (iOS 18.1)" }),
    current: z.boolean().openapi({
      description: "True for the session of the access token making this request",
      example: true,
    }),
    amr: AmrSchema,
    aal: AalSchema,
    auth_time: z.string().openapi({
      format: "date-time",
      description: "When the user last proved who they are in this session",
      example: "2026-11-28T09:30:00.000Z",
    }),
  })
  .openapi("Session");

export const SessionListSchema = z
  .object({
    sessions: z.array(SessionSchema).openapi({ description: "Active sessions, newest sign-in first" }),
    next_cursor: z.string().nullable().openapi({
      description: "Pass as `cursor` for the next page; null on the last page",
      example: "WyIyMDI2LTExLTI4VDA5OjMwOjAwLjAwMFoiLCI1YjFmM2MxZSJd",
    }),
  })
  .openapi("SessionList");

/** Query of GET /auth/sessions: a page size and the keyset cursor of the previous page. */
export const SessionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({
    param: { name: "limit", in: "query" },
    description: "Page size, 1–100",
    example: 50,
  }),
  cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]+$/).optional().openapi({
    param: { name: "cursor", in: "query" },
    description: "Opaque `next_cursor` of the previous page; anything else is a 422",
  }),
});

export const SessionIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    description: "Session id from GET /auth/sessions",
    example: UUID_EXAMPLE,
  }),
});

export const SecurityEventSchema = z
  .object({
    id: z.uuid().openapi({ example: UUID_EXAMPLE }),
    type: z.enum(SECURITY_EVENT_TYPES).openapi({ example: "signin_succeeded" }),
    ip: z.string().nullable().openapi({ example: "203.0.113.7" }),
    user_agent: z.string().nullable().openapi({ example: "JessyApp/2.3 (iOS 18.1)" }),
    request_id: z.string().nullable().openapi({
      description: "X-Request-ID of the request that caused it",
      example: "2c3b0b8e-5b0e-4a8e-9a59-8d1f1f6a9c11",
    }),
    created_at: z.string().openapi({ format: "date-time", example: "2026-11-28T09:30:00.000Z" }),
  })
  .openapi("SecurityEvent");

export const SecurityEventPageSchema = z
  .object({
    events: z.array(SecurityEventSchema).openapi({ description: "Newest first" }),
    next_cursor: z.string().nullable().openapi({
      description: "Pass as `cursor` for the next page; null on the last page",
      example: "WyIyMDI2LTExLTI4VDA5OjMwOjAwLjAwMFoiLCI1YjFmM2MxZSJd",
    }),
  })
  .openapi("SecurityEventPage");

export const SecurityEventQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({
    param: { name: "limit", in: "query" },
    description: "Page size, 1–100",
    example: 20,
  }),
  cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]+$/).optional().openapi({
    param: { name: "cursor", in: "query" },
    description: "Opaque `next_cursor` of the previous page; anything else is a 422",
  }),
});
