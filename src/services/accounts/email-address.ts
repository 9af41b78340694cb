/** The identity form of an address: trimmed and lower-cased, so case variants are one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
