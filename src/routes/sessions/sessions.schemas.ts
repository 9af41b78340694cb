import { z } from "@hono/zod-openapi";
import { AalSchema, AmrSchema } from "../../http/schemas.ts";
import { SECURITY_EVENT_TYPES } from "../../security-event-types.ts";
import { BIDI_CONTROLS, CONTROLS } from "../auth/auth.schemas.ts";
import { SESSION_NAME_MAX } from "../../services/sessions/lifecycle.ts";

const UUID_EXAMPLE = "5b1f3c1e-8d9a-4c1e-9f7e-2a6b4f1d9c3a";

export const RefreshRequestSchema = z
  .object({
    refresh_token: z.string().min(1).max(4096).openapi({
      description: "The refresh token of the last pair this session received",
      example: "eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    }),
  })
  .openapi("RefreshRequest");

export const DeviceSchema = z
  .object({
    browser: z.string().nullable().openapi({ example: "Firefox" }),
    os: z.string().nullable().openapi({ example: "Windows" }),
    type: z.string().nullable().openapi({
      description: "`desktop`, `mobile`, `tablet`, `tv`, `bot`, or null when the user agent does not say",
      example: "desktop",
    }),
    label: z.string().openapi({
      description: 'One line to show, such as "Firefox on Windows"; "Unknown device" when nothing is recognised',
      example: "Firefox on Windows",
    }),
  })
  .openapi("Device", {
    description: "The device of the sign-in, parsed once from its User-Agent when the session started (for a " +
      "session from before devices were kept, from the user agent of its latest use). Client-chosen text: " +
      "control and bidirectional characters are removed and each part is at most 40 characters.",
  });

const SESSION_FIELDS = {
  id: z.uuid().openapi({ example: UUID_EXAMPLE }),
  name: z.string().nullable().openapi({
    description: "What the owner called the session (PATCH /auth/sessions/{id}); null until named",
    example: "Work laptop",
  }),
  created_at: z.string().openapi({ format: "date-time", example: "2026-11-27T18:00:00.000Z" }),
  last_used_at: z.string().openapi({
    format: "date-time",
    description: "Sign-in or latest refresh",
    example: "2026-11-28T09:30:00.000Z",
  }),
  ip: z.string().nullable().openapi({ description: "Client address at the latest use", example: "203.0.113.7" }),
  user_agent: z.string().nullable().openapi({
    description: "User-Agent at the latest use, as sent",
    example: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  }),
  device: DeviceSchema,
  known_device: z.boolean().nullable().openapi({
    description: "The sign-in presented a valid `device_token` of this account (a device it signed in from " +
      "before); null for sessions from before this was kept. A sign-in completed with a second factor " +
      "counts as not known",
    example: true,
  }),
  method: z.enum(["password", "mfa", "passkey"]).openapi({
    description: "How the session was signed in (from `amr`): a password alone, a password and a second " +
      "factor, or a passkey",
    example: "mfa",
  }),
  amr: AmrSchema,
  aal: AalSchema,
  auth_time: z.string().openapi({
    format: "date-time",
    description: "When the user last proved who they are in this session",
    example: "2026-11-28T09:30:00.000Z",
  }),
};

export const SessionSchema = z
  .object({
    ...SESSION_FIELDS,
    current: z.boolean().openapi({
      description: "True for the session of the access token making this request",
      example: true,
    }),
  })
  .openapi("Session");

/** A session as an administrator sees it: no request of theirs is in it, so no `current`. */
export const AdminSessionSchema = z.object(SESSION_FIELDS).openapi("AdminSession");

export const RenameSessionRequestSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .refine((name) => [...name].length <= SESSION_NAME_MAX, `At most ${SESSION_NAME_MAX} characters`)
      .refine((name) => !CONTROLS.test(name), "Name must not contain control characters")
      .refine((name) => !BIDI_CONTROLS.test(name), "Name must not contain bidirectional formatting characters")
      .openapi({
        description: `1–${SESSION_NAME_MAX} characters; no control or bidirectional formatting characters`,
        example: "Work laptop",
      }),
  })
  .openapi("RenameSessionRequest");

/** Query of DELETE /auth/sessions: which session to keep. */
export const EndSessionsQuerySchema = z.object({
  except: z.enum(["current"]).openapi({
    param: { name: "except", in: "query" },
    description: "`current`: every session but the one making the request ends. Required, so that no " +
      "request ends the caller's own session by leaving it out (POST /auth/logout-all does that)",
    example: "current",
  }),
});

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
