import type { Context } from "hono";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const MAX_EMAIL_LENGTH = 320;

/**
 * The normalized (trimmed, lower-case) `email` of a JSON request body, read before
 * validation so that it can be rate limited. Hono caches the body text, so the
 * validator later parses the same bytes. Anything that is not a JSON object with a
 * string `email` gives undefined and is left for the validator to refuse (the body
 * limit has already buffered the body, so reading it here cannot bypass that).
 */
export async function readRequestEmail(c: Context): Promise<string | undefined> {
  const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0].trim();
  if (!JSON_MEDIA_TYPE.test(mediaType)) return undefined;
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || !("email" in body)) return undefined;
  const email = (body as { email: unknown }).email;
  if (typeof email !== "string") return undefined;
  const normalized = email.trim().toLowerCase();
  if (normalized === "" || normalized.length > MAX_EMAIL_LENGTH) return undefined;
  return normalized;
}
