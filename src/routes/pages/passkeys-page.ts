/**
 * GET /account/passkeys: buttons that run the passkey ceremonies in the browser against the
 * API, for testers and as a working example for client teams. Plain HTML, the pages'
 * stylesheet and one script of its own (assets/passkeys.js): the CSP stays `'self'`. The
 * relying party is the page's host, so open it on a host WEBAUTHN_RP_ID covers (`localhost` in
 * development, never an IP address).
 * @module
 */

export const PASSKEYS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Passkeys · Jessy AI</title>
<link rel="stylesheet" href="/account/assets/account-pages.css">
<script src="/account/assets/passkeys.js" defer></script>
</head>
<body>
<main>
<p class="brand">Jessy AI</p>
<h1>Passkeys</h1>
<p id="unsupported" hidden>This browser cannot run passkey ceremonies from JSON options. Use a current Chrome, Edge, Safari or Firefox.</p>
<section aria-labelledby="signin-heading">
<h2 id="signin-heading">Sign in with a passkey</h2>
<p>No address needed: the browser offers the passkeys it holds for this site.</p>
<button type="button" id="signin">Sign in with a passkey</button>
</section>
<section aria-labelledby="register-heading">
<h2 id="register-heading">Register a passkey</h2>
<p>Paste an access token from a sign-in less than 5 minutes old, or give the password (and the authenticator code while a second factor is on). A passkey sign-in on this page fills the token in.</p>
<label for="access-token">Access token</label>
<input id="access-token" name="access_token" autocomplete="off" spellcheck="false">
<label for="current-password">Password (optional)</label>
<input id="current-password" name="current_password" type="password" autocomplete="current-password">
<label for="mfa-code">Authenticator code (optional)</label>
<input id="mfa-code" name="mfa_code" inputmode="numeric" autocomplete="one-time-code">
<label for="passkey-name">Name (optional)</label>
<input id="passkey-name" name="name" maxlength="64">
<button type="button" id="register">Register a passkey</button>
</section>
<p id="outcome" role="status" aria-live="polite"></p>
<pre id="details"></pre>
</main>
</body>
</html>
`;
