/**
 * The HTML of an account page. Every text is escaped, and none comes from the URL or a
 * request: what a no-script answer reports is one of the page's own messages, picked by key.
 * One stylesheet and one script, both from /account/assets/, so the CSP can stay `'self'`.
 * @module
 */
import { escapeHtml } from "../../mail/html.ts";
import { accountPagePath } from "../../mail/account-links.ts";
import { type PageDefinition, type PageForm, PASSWORD_RULES } from "./page-definitions.ts";

/** What a no-script answer shows: an outcome for one form, and the reasons under fields. */
export interface PageState {
  outcome?: { intent: PageForm["intent"]; key: string; success: boolean };
  fieldErrors?: Readonly<Record<string, readonly string[]>>;
}

/** The whole page for `definition`, in the state a no-script post left it (fresh by default). */
export function renderPage(definition: PageDefinition, state: PageState = {}): string {
  const done = state.outcome?.intent === "act" && state.outcome.success;
  const body = [
    `<h1>${escapeHtml(definition.title)}</h1>`,
    ...definition.intro.map((line) => `<p>${escapeHtml(line)}</p>`),
    actionForm(definition, state, done),
    outcomeRegion(definition, "act", state),
    definition.request ? requestSection(definition, definition.request, state) : "",
    messageTexts(definition),
  ];
  return documentHtml(definition.title, body.filter(Boolean).join("\n"));
}

/** A page with one message and no form: an unknown page, or a failure before any page logic ran. */
export function renderMessagePage(title: string, message: string): string {
  return documentHtml(title, `<h1>${escapeHtml(title)}</h1>\n<p role="status">${escapeHtml(message)}</p>`);
}

function documentHtml(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Jessy AI</title>
<link rel="stylesheet" href="/account/assets/account-pages.css">
<script src="/account/assets/account-pages.js" defer></script>
</head>
<body>
<main>
<p class="brand">Jessy AI</p>
${body}
</main>
</body>
</html>
`;
}

function actionForm(definition: PageDefinition, state: PageState, done: boolean): string {
  const form = definition.action;
  const fields = [
    field(state, {
      name: "token",
      label: definition.tokenLabel,
      hint: definition.tokenHint,
      attributes: 'autocomplete="off" autocapitalize="off" spellcheck="false" required',
      tokenField: true,
    }),
    ...(form.fields.includes("new_password")
      ? [
        field(state, {
          name: "new_password",
          label: "New password",
          type: "password",
          rules: PASSWORD_RULES,
          attributes: 'autocomplete="new-password" required',
        }),
        field(state, {
          name: "confirm_password",
          label: "New password, again",
          type: "password",
          attributes: 'autocomplete="new-password" required',
        }),
      ]
      : []),
  ];
  return formHtml(definition, form, fields, done);
}

function requestSection(definition: PageDefinition, form: NonNullable<PageDefinition["request"]>, state: PageState) {
  const email = field(state, {
    name: "email",
    label: "Your email address",
    type: "email",
    attributes: 'autocomplete="email" required',
  });
  return [
    `<section aria-labelledby="request-heading">`,
    `<h2 id="request-heading">${escapeHtml(form.heading)}</h2>`,
    `<p>${escapeHtml(form.text)}</p>`,
    formHtml(definition, form, [email], false),
    outcomeRegion(definition, "request", state),
    `</section>`,
  ].join("\n");
}

function formHtml(definition: PageDefinition, form: PageForm, fields: string[], hidden: boolean): string {
  return [
    `<form method="post" action="${accountPagePath(definition.page)}" data-intent="${form.intent}" ` +
    `data-api="${escapeHtml(form.api)}" data-fields="${form.fields.join(" ")}" novalidate${hidden ? " hidden" : ""}>`,
    `<input type="hidden" name="intent" value="${form.intent}">`,
    ...fields,
    `<button type="submit">${escapeHtml(form.submit)}</button>`,
    `</form>`,
  ].join("\n");
}

interface FieldOptions {
  name: string;
  label: string;
  type?: string;
  hint?: string;
  rules?: readonly string[];
  attributes: string;
  /** The token field: the script fills it from the link and hides it */
  tokenField?: boolean;
}

function field(state: PageState, options: FieldOptions): string {
  const id = options.name.replaceAll("_", "-");
  const errors = state.fieldErrors?.[options.name] ?? [];
  const described = [
    options.hint ? `${id}-hint` : "",
    options.rules ? `${id}-rules` : "",
    `${id}-error`,
  ].filter(Boolean).join(" ");
  return [
    `<div class="field"${options.tokenField ? " data-token-field" : ""}>`,
    `<label for="${id}">${escapeHtml(options.label)}</label>`,
    options.hint ? `<p class="hint" id="${id}-hint">${escapeHtml(options.hint)}</p>` : "",
    options.rules
      ? `<ul class="hint" id="${id}-rules">${options.rules.map((rule) => `<li>${escapeHtml(rule)}</li>`).join("")}</ul>`
      : "",
    `<input id="${id}" name="${options.name}" type="${options.type ?? "text"}" ${options.attributes} ` +
    `aria-describedby="${described}"${errors.length > 0 ? ' aria-invalid="true"' : ""}>`,
    `<p class="field-error" id="${id}-error">${errors.map(escapeHtml).join(" ")}</p>`,
    `</div>`,
  ].filter(Boolean).join("\n");
}

function outcomeRegion(definition: PageDefinition, intent: PageForm["intent"], state: PageState): string {
  const outcome = state.outcome?.intent === intent ? state.outcome : undefined;
  const text = outcome ? definition.messages[outcome.key] ?? definition.messages.failed : "";
  const kind = outcome ? (outcome.success ? " success" : " error") : "";
  return `<div class="outcome${kind}" data-outcome="${intent}" role="status" tabindex="-1">${escapeHtml(text)}</div>`;
}

/** Every outcome text, for the script to show by key (it writes them as text, never as HTML). */
function messageTexts(definition: PageDefinition): string {
  const items = Object.entries(definition.messages)
    .map(([key, text]) => `<p data-message="${escapeHtml(key)}">${escapeHtml(text)}</p>`);
  return `<div id="messages" hidden>\n${items.join("\n")}\n</div>`;
}
