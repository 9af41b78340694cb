/**
 * What an account is, as an administrator filters on it and sees it: a closed set, so the admin
 * API's schemas and the queries behind them name the same statuses. How each follows from a
 * users row is in repositories/admin-users.ts (STATUS_CONDITIONS and statusOf).
 */
export const USER_STATUSES = ["active", "disabled", "unverified", "pending_deletion"] as const;
export type UserStatus = typeof USER_STATUSES[number];
