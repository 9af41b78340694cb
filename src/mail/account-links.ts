/**
 * The one place a mailed link is built. Every link points at an account page under
 * `config.accountPagesUrl` (ACCOUNT_PAGES_URL, else the built-in pages on APP_URL), never at
 * a host taken from a request. A token rides in the fragment (`#token=`), never the query: a
 * browser sends the fragment neither to the server nor, in `Referer`, to anyone else, so the
 * token stays out of proxy and access logs.
 * @module
 */

/** The account pages a mail can link to; the built-in ones are served at the same paths. */
export const ACCOUNT_PAGES = ["reset-password", "revert-email-change", "cancel-account-deletion", "not-me"] as const;
export type AccountPage = typeof ACCOUNT_PAGES[number];

/** The path of an account page, the same on the built-in pages and on an app's own. */
export function accountPagePath(page: AccountPage): string {
  return `/account/${page}`;
}

/** `${pagesUrl}/account/${page}`, with `#token=…` when a token is given. */
export function accountPageLink(pagesUrl: string, page: AccountPage, token?: string): string {
  const base = `${pagesUrl}${accountPagePath(page)}`;
  return token === undefined ? base : `${base}#token=${encodeURIComponent(token)}`;
}

/**
 * Finds the first account page link in a mail's text part, for GET /dev/outbox's `link`. It
 * matches what accountPageLink writes: a page path, then the token fragment when there is one.
 */
export const ACCOUNT_LINK_IN_TEXT =
  /https?:\/\/[^\s#?]*\/account\/(?:reset-password|revert-email-change|cancel-account-deletion|not-me)(?:#token=[A-Za-z0-9_%-]+)?/;
