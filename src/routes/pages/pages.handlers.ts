import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { classifyError } from "../../http/error-handler.ts";
import { requestMeta } from "../../http/request-context.ts";
import { fieldErrors } from "../../http/router.ts";
import { AppError, type FieldError } from "../../errors.ts";
import type { AccountPage } from "../../mail/account-links.ts";
import type { AccountService } from "../../services/accounts/service.ts";
import type { RequestMeta } from "../../services/identity.ts";
import { AccountTokenRequestSchema } from "../settings/settings.schemas.ts";
import { EmailRequestSchema, ResetPasswordRequestSchema } from "../auth/auth.schemas.ts";
import { fromOwnPage } from "./form-origin.ts";
import { type PageDefinition, pageDefinition } from "./page-definitions.ts";
import { type PageState, renderPage } from "./page-html.ts";
import { pageAsset } from "./page-assets.ts";
import { PASSKEYS_PAGE } from "./passkeys-page.ts";
import type * as routes from "./pages.routes.ts";

type Form = Record<string, string>;

/** What each page's form does with the service, once its fields passed the JSON route's own schema. */
const ACTIONS: Record<AccountPage, (accounts: AccountService, form: Form, meta: RequestMeta) => Promise<void>> = {
  "reset-password": async (accounts, form, meta) =>
    await accounts.resetPassword(valid(ResetPasswordRequestSchema, form), meta),
  "revert-email-change": async (accounts, form, meta) =>
    await accounts.revertEmailChange(valid(AccountTokenRequestSchema, form).token, meta),
  "cancel-account-deletion": async (accounts, form, meta) =>
    await accounts.cancelDeletion(valid(AccountTokenRequestSchema, form).token, meta),
  "not-me": async (accounts, form, meta) =>
    await accounts.reportNotMe(valid(AccountTokenRequestSchema, form).token, meta),
};

function definitionOf(page: string): PageDefinition {
  const definition = pageDefinition(page);
  if (!definition) throw new AppError("not_found", "No such page");
  return definition;
}

export const passkeysPage: RouteHandler<typeof routes.passkeysPage, AppEnv> = (c) => {
  return c.html(PASSKEYS_PAGE, 200);
};

export const page: RouteHandler<typeof routes.page, AppEnv> = (c) => {
  return c.html(renderPage(definitionOf(c.req.valid("param").page)), 200);
};

/**
 * The form post of a browser without scripts: the same checks and service call as the JSON
 * route, answered with the page and the outcome in words (never the problem body).
 */
export const submitPage: RouteHandler<typeof routes.submitPage, AppEnv> = async (c) => {
  const definition = definitionOf(c.req.valid("param").page);
  if (!fromOwnPage(c)) return answer(c, definition, 403, failure(definition, "act", "cross_site"));
  const form = await readForm(c);
  const intent = form.intent === "request" && definition.request ? "request" : "act";
  try {
    if (intent === "request") {
      await c.get("deps").accounts.requestPasswordReset(valid(EmailRequestSchema, form).email, requestMeta(c));
      return answer(c, definition, 202, { outcome: { intent, key: "request_sent", success: true } });
    }
    if (!form.token?.trim()) return answer(c, definition, 400, failure(definition, intent, "missing_token", "token"));
    if (definition.action.confirmPassword && form.new_password !== form.confirm_password) {
      return answer(c, definition, 422, failure(definition, intent, "mismatch", "confirm_password"));
    }
    await ACTIONS[definition.page](c.get("deps").accounts, form, requestMeta(c));
    return answer(c, definition, 200, { outcome: { intent, key: "done", success: true } });
  } catch (error) {
    const appError = classifyError(error);
    // Failures of the service itself go to the error handler, which logs them
    if (appError.status >= 500 && appError.code !== "service_unavailable") throw error;
    return answer(c, definition, appError.status, {
      outcome: { intent, key: appError.code, success: false },
      fieldErrors: byField(appError.errors ?? []),
    }, appError.headers);
  }
};

export const asset: RouteHandler<typeof routes.asset, AppEnv> = (c) => {
  const found = pageAsset(c.req.valid("param").file);
  if (!found) throw new AppError("not_found", "No such asset");
  c.header("Cache-Control", "public, max-age=300");
  return c.body(found.body, 200, { "Content-Type": found.type });
};

function answer(
  c: Context<AppEnv>,
  definition: PageDefinition,
  status: number,
  state: PageState,
  headers: Record<string, string> = {},
): Response {
  return c.html(renderPage(definition, state), status as 200, headers);
}

/** A failed outcome; with `field`, its message is also shown under that field. */
function failure(definition: PageDefinition, intent: "act" | "request", key: string, field?: string): PageState {
  const outcome = { intent, key, success: false };
  return field ? { outcome, fieldErrors: { [field]: [definition.messages[key]] } } : { outcome };
}

/** The form's text fields; files and repeated names are ignored. */
async function readForm(c: Context<AppEnv>): Promise<Form> {
  const body = await c.req.parseBody().catch(() => ({}));
  return Object.fromEntries(
    Object.entries(body).flatMap(([name, value]) => typeof value === "string" ? [[name, value]] : []),
  );
}

/** The form through the JSON route's schema: the same rules and messages, as a 422 when broken. */
function valid<S extends z.ZodType>(schema: S, form: Form): z.output<S> {
  const result = schema.safeParse(form);
  if (result.success) return result.data;
  throw new AppError("validation_failed", "The form does not match the schema", { errors: fieldErrors(result.error) });
}

function byField(errors: FieldError[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const error of errors) (grouped[error.path] ??= []).push(error.message);
  return grouped;
}
