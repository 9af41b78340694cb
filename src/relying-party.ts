/**
 * The WebAuthn relying party a passkey is bound to: its id (a registrable domain, never an IP
 * address), the name authenticators show, and the origins whose ceremonies count — web
 * origins, and native-app origins such as `android:apk-key-hash:…` when listed.
 * @module
 */

export interface RelyingParty {
  /** WEBAUTHN_RP_ID: the domain passkeys are scoped to (APP_URL's host by default) */
  readonly id: string;
  /** WEBAUTHN_RP_NAME: what the authenticator shows beside the account */
  readonly name: string;
  /** WEBAUTHN_ORIGINS: where a ceremony may run (by default APP_URL's and ACCOUNT_PAGES_URL's origins on the RP id) */
  readonly origins: readonly string[];
}

export interface RelyingPartyInput {
  rpId?: string;
  rpName: string;
  origins?: string;
  appUrl: string;
  accountPagesUrl: string;
}

const NATIVE_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]+={0,2}$|^ios:bundle-id:[A-Za-z0-9.-]+$/;

/** Whether `host` is `rpId` or one of its subdomains (the WebAuthn rule for a web origin). */
export function hostMatchesRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * Parses the relying party; a problem goes to `problems` (production refuses it) and the
 * relying party is still returned for development's warnings.
 */
export function parseRelyingParty(input: RelyingPartyInput, production: boolean, problems: string[]): RelyingParty {
  const id = (input.rpId ?? new URL(input.appUrl).hostname).trim().toLowerCase();
  const mismatch = `WEBAUTHN_RP_ID ${id} must be the host or a parent domain of every origin in WEBAUTHN_ORIGINS`;
  const listed = input.origins?.split(",").map((origin) => origin.trim()).filter(Boolean);
  if (!listed) {
    // By default, the origins of APP_URL and ACCOUNT_PAGES_URL that are on the RP id: pages elsewhere cannot use it
    const origins = [...new Set([input.appUrl, input.accountPagesUrl].map((url) => new URL(url)))]
      .filter((url) => hostMatchesRpId(url.hostname, id)).map((url) => url.origin);
    if (origins.length === 0 && production) problems.push(mismatch);
    return { id, name: input.rpName, origins: [...new Set(origins)] };
  }
  for (const origin of listed) {
    if (NATIVE_ORIGIN.test(origin)) continue;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} is neither a web origin nor android:apk-key-hash:…`);
      continue;
    }
    if (url.origin !== origin) problems.push(`WEBAUTHN_ORIGINS: ${origin} must be a bare origin such as ${url.origin}`);
    else if (production && !hostMatchesRpId(url.hostname, id) && !problems.includes(mismatch)) problems.push(mismatch);
  }
  return { id, name: input.rpName, origins: listed };
}
