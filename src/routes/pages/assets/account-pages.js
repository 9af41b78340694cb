// The account pages' one script. It reads the token from the link's fragment, takes the
// fragment out of the address bar, and sends each form as JSON to the API route it names,
// showing the outcome the page already holds in words. It writes text only: nothing from the
// URL or from an answer becomes HTML. Without it the forms post to the page itself.
"use strict";

const linkToken = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
if (location.hash) history.replaceState(null, "", location.pathname + location.search);

for (const form of document.querySelectorAll("form[data-api]")) enhance(form);

function enhance(form) {
  const tokenField = form.querySelector("[data-token-field]");
  if (tokenField && linkToken) {
    form.elements.token.value = linkToken;
    tokenField.hidden = true;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void send(form);
  });
}

async function send(form) {
  const intent = form.dataset.intent;
  clearErrors(form);
  // The last outcome goes at once: it must not pass for this attempt's
  const region = document.querySelector(`[data-outcome="${intent}"]`);
  region.textContent = "";
  region.classList.remove("success", "error");
  const values = Object.fromEntries(new FormData(form));
  if (form.elements.token && !values.token.trim()) return fail(form, intent, "missing_token", ["token"]);
  if (form.elements.confirm_password && values.new_password !== values.confirm_password) {
    return fail(form, intent, "mismatch", ["confirm_password"]);
  }
  const body = Object.fromEntries(form.dataset.fields.split(" ").map((name) => [name, values[name]]));
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
      body: JSON.stringify(body),
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    if (response.ok) return succeed(form, intent);
    const problem = await response.json().catch(() => ({}));
    const key = typeof problem.code === "string" && message(problem.code) ? problem.code : fallbackKey(response);
    const errors = Array.isArray(problem.errors) ? problem.errors : [];
    for (const error of errors) showFieldError(form, String(error.path), String(error.message));
    // A refused token is the token field's fault: show it, so another one can be pasted
    if (/^invalid_\w*token$/.test(key)) showFieldError(form, "token", message(key));
    show(intent, key, false);
  } catch {
    show(intent, "offline", false);
  } finally {
    button.disabled = false;
  }
}

function fallbackKey(response) {
  if (response.status === 429) return "rate_limited";
  if (response.status === 503) return "service_unavailable";
  return "failed";
}

function succeed(form, intent) {
  if (intent === "act") form.hidden = true;
  form.reset();
  show(intent, intent === "act" ? "done" : "request_sent", true);
}

function fail(form, intent, key, fields) {
  for (const name of fields) showFieldError(form, name, message(key));
  show(intent, key, false);
}

/** The page's own text for `key`, or undefined when the page has none. */
function message(key) {
  for (const item of document.querySelectorAll("#messages [data-message]")) {
    if (item.dataset.message === key) return item.textContent;
  }
  return undefined;
}

function show(intent, key, success) {
  const region = document.querySelector(`[data-outcome="${intent}"]`);
  region.textContent = message(key) ?? message("failed");
  region.classList.toggle("success", success);
  region.classList.toggle("error", !success);
  region.focus();
}

function showFieldError(form, name, text) {
  const input = form.elements[name];
  const target = document.getElementById(`${name.replaceAll("_", "-")}-error`);
  if (!(input instanceof HTMLInputElement) || !target) return;
  target.textContent = [target.textContent, text].filter(Boolean).join(" ");
  input.setAttribute("aria-invalid", "true");
  // A token from the link that the API refused is shown again, so it can be replaced by hand
  input.closest("[data-token-field]")?.removeAttribute("hidden");
}

function clearErrors(form) {
  for (const input of form.querySelectorAll("input[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
}
