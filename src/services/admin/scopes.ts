/** What an admin API key may do; each admin operation requires one. */
export const ADMIN_SCOPES = [
  "users:read",
  "users:write",
  "audit:read",
  "tokens:introspect",
  "webhooks:read",
  "webhooks:write",
] as const;
export type AdminScope = typeof ADMIN_SCOPES[number];

/** The admin API key behind a request, once it checked out. */
export interface AdminKeyIdentity {
  id: string;
  /** The key's unique name: recorded as `actor` on the events of its actions */
  name: string;
  scopes: readonly string[];
}

export function isAdminScope(text: string): text is AdminScope {
  return (ADMIN_SCOPES as readonly string[]).includes(text);
}
