/**
 * What the client tests share: the committed spec and `deno check` of generated SDKs with client
 * code; and a tester's hands in Swagger UI at /docs for the browser walks ("Try it out" on an
 * operation, "Authorize" with a token, the development outbox read from its own operation, every
 * response the page received checked against the spec).
 * @module
 */
import type { Page, Response as PageResponse } from "npm:playwright-core@1.65.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { until } from "../helpers/until.ts";

export const ROOT = new URL("../../", import.meta.url);
/** The committed contract the generators read */
export const SPEC = new URL("openapi/openapi.json", ROOT);
/** The tests' lock: deno.lock pins the service's packages alone */
export const TESTS_LOCK = new URL("tests/deno.lock", ROOT).pathname;

/** A client-code template of tests/client/fixtures/. */
export function fixture(name: string): URL {
  return new URL(`fixtures/${name}`, import.meta.url);
}

/** `deno check` of `files` with the project's config and the tests' lock; fails the test with the compiler's output. */
export async function denoCheck(...files: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, "--lock", TESTS_LOCK, ...files],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert(output.success, `deno check failed:\n${text}`);
  return text;
}

export const TIMEOUT_MS = 30_000;

/** What one "Execute" answered, as the page shows it. */
export interface Execution {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Expands an operation, presses "Try it out", optionally types the JSON body and the query parameters, and
 * executes it. A tag with spaces is named as Swagger UI's deep-link ids write it (underscores).
 */
export async function tryItOut(
  page: Page,
  tag: string,
  operationId: string,
  body?: unknown,
  query: Record<string, string> = {},
): Promise<Execution> {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  // "Try it out" stays on for an operation executed before: pressing it again would turn it off
  await block.locator("button.try-out__btn").first().waitFor({ timeout: TIMEOUT_MS });
  if (!await block.locator("button.execute").isVisible()) await block.locator("button.try-out__btn").first().click();
  if (body !== undefined) await block.locator("textarea.body-param__text").fill(JSON.stringify(body, null, 2));
  for (const [name, value] of Object.entries(query)) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  // An operation executed before still shows its last answer, which the reads below would take for this one's
  // (seen: this execution's status with the previous body): clear it first
  const clear = block.locator("button.btn-clear");
  if (await clear.isVisible()) {
    await clear.click();
    await block.locator(".live-responses-table").waitFor({ state: "detached", timeout: TIMEOUT_MS });
  }
  await block.locator("button.execute").click();
  const status = block.locator(".responses-wrapper .live-responses-table .response .response-col_status");
  await status.first().waitFor({ timeout: TIMEOUT_MS });
  const text = await block.locator(".live-responses-table .response-col_description .highlight-code pre")
    .first().innerText({ timeout: TIMEOUT_MS });
  const result = { status: Number((await status.first().innerText()).trim()), body: JSON.parse(text) };
  // Collapse again so the next operation's selectors stay unambiguous on screen
  await block.locator(".opblock-summary").first().click();
  return result;
}

/** Presses "Authorize", enters the bearer token (logging the previous one out) and closes the dialog. */
export async function authorize(page: Page, token: string, replacing = false): Promise<void> {
  await page.locator(".auth-wrapper button.authorize").click();
  const dialog = page.locator(".auth-container").filter({ hasText: "bearerAuth" });
  if (replacing) await dialog.locator("button.modal-btn.auth").filter({ hasText: "Logout" }).click();
  await dialog.locator("input").fill(token);
  await dialog.locator("button.modal-btn.auth.authorize").click();
  await page.locator("button.btn-done").first().click();
}

/** Runs GET /dev/outbox from its own operation block until the mail for `email` is listed. */
export function codeFromOutboxInUi(page: Page, email: string): Promise<string> {
  return fromOutboxInUi(page, email, "otp");
}

/** The first value of `field` (otp, cancel_token, …) the outbox lists for `email`, polling from Swagger UI. */
export async function fromOutboxInUi(page: Page, email: string, field: string): Promise<string> {
  let value: string | undefined;
  // Real time: a real browser drives a live sandbox, which runs on the system clock as
  // `deno task dev` does
  await until(async () => {
    const outbox = await tryItOut(page, "Development", "listDevOutbox");
    assertEquals(outbox.status, 200, "GET /dev/outbox");
    const messages = outbox.body.messages as Array<{ to: string } & Record<string, string>>;
    value = messages.find((message) => message.to === email && message[field])?.[field];
    return value !== undefined;
  }, { timeout: 30_000, interval: 250, what: `${field} in the outbox` });
  return value!;
}

/** Validates every same-host response the page received; returns `METHOD path → status` of each. */
export async function checkAgainstSpec(responses: PageResponse[], origin: string): Promise<string[]> {
  const checked: string[] = [];
  for (const response of responses) {
    if (!response.url().startsWith(origin)) continue;
    const method = response.request().method();
    const path = new URL(response.url()).pathname;
    const body = [204, 304].includes(response.status()) ? null : new Uint8Array(await response.body());
    await developmentSpecValidator().check(
      method,
      path,
      new Response(body, { status: response.status(), headers: response.headers() }),
    );
    checked.push(`${method} ${path} → ${response.status()}`);
  }
  return checked;
}
