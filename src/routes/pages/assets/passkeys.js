// The passkey page: runs WebAuthn ceremonies with the JSON options the API hands out and sends
// back the browser's `toJSON()` of the answer. No framework, no inline code.
"use strict";

const $ = (id) => document.getElementById(id);

function show(message, details) {
  $("outcome").textContent = message;
  $("details").textContent = details === undefined ? "" : JSON.stringify(details, null, 2);
}

async function postJson(path, body, accessToken) {
  const headers = { "Content-Type": "application/json" };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await response.text();
  return { ok: response.ok, status: response.status, body: text ? JSON.parse(text) : null };
}

function claimsOf(token) {
  const payload = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(payload));
}

function problem(answer) {
  return `${answer.status} ${answer.body?.code ?? ""}: ${answer.body?.detail ?? ""}`;
}

async function signIn() {
  show("Asking for sign-in options…");
  const options = await postJson("/auth/passkeys/signin/options", {});
  if (!options.ok) return show(`Options refused: ${problem(options)}`, options.body);
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body),
    });
  } catch (error) {
    return show(`The browser ended the ceremony: ${error.name}`);
  }
  const answer = await postJson("/auth/passkeys/signin", { credential: credential.toJSON() });
  if (!answer.ok) return show(`Sign-in refused: ${problem(answer)}`, answer.body);
  if (answer.body.mfa_required) {
    return show("The authenticator did not verify you: finish with POST /auth/mfa/verify and a code", answer.body);
  }
  const claims = claimsOf(answer.body.access_token);
  $("access-token").value = answer.body.access_token;
  show(`Signed in (amr ${claims.amr.join(", ")}, aal ${claims.aal})`, answer.body);
}

async function register() {
  const accessToken = $("access-token").value.trim();
  if (!accessToken) return show("Paste an access token first, or sign in with a passkey on this page.");
  const proof = {};
  if ($("current-password").value) proof.current_password = $("current-password").value;
  if ($("mfa-code").value.trim()) proof.mfa_code = $("mfa-code").value.trim();
  show("Asking for registration options…");
  const options = await postJson("/auth/passkeys/registration/options", proof, accessToken);
  if (!options.ok) return show(`Options refused: ${problem(options)}`, options.body);
  let credential;
  try {
    credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.body),
    });
  } catch (error) {
    return show(`The browser ended the ceremony: ${error.name}`);
  }
  const body = { credential: credential.toJSON() };
  if ($("passkey-name").value.trim()) body.name = $("passkey-name").value.trim();
  const answer = await postJson("/auth/passkeys/registration", body, accessToken);
  if (!answer.ok) return show(`Registration refused: ${problem(answer)}`, answer.body);
  show(`Passkey saved: ${answer.body.name}`, answer.body);
}

function guarded(action) {
  return () => action().catch((error) => show(`Something went wrong: ${error.message}`));
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof PublicKeyCredential === "undefined" || !PublicKeyCredential.parseCreationOptionsFromJSON) {
    $("unsupported").hidden = false;
  }
  $("signin").addEventListener("click", guarded(signIn));
  $("register").addEventListener("click", guarded(register));
});
