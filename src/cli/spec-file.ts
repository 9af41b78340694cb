import { type Config, loadConfig } from "../config.ts";
import type { OpenApiDocument } from "../http/openapi-document.ts";
import { createRouter } from "../http/router.ts";
import { mountApi } from "../routes/index.ts";
import type { CommandOutput } from "./output.ts";

export const SPEC_PATH = "openapi/openapi.json";

/**
 * What the committed contract states: production's routes (no development-only operation)
 * with the default limits and server URL. Built from no environment, so the file does not
 * depend on who generates it.
 */
export function contractConfig(): Config {
  const { config } = loadConfig({});
  return Object.freeze({ ...config, environment: "production" });
}

/**
 * The document an app with `config` serves at /openapi.json, from the contract routers alone:
 * no database, limiter or mailer is built, since no request is ever answered.
 */
export function specDocument(config: Config): OpenApiDocument {
  return mountApi(createRouter(), config)();
}

/** The committed document: the production contract, as openapi/openapi.json holds it. */
export function renderSpec(): string {
  return JSON.stringify(specDocument(contractConfig()), null, 2) + "\n";
}

/** Writes openapi/openapi.json, or with `check` reports whether it is up to date. */
export async function writeOrCheckSpec(options: { check: boolean } & CommandOutput): Promise<boolean> {
  const rendered = renderSpec();
  if (!options.check) {
    await Deno.writeTextFile(SPEC_PATH, rendered);
    options.out(`wrote ${SPEC_PATH}`);
    return true;
  }
  const committed = await Deno.readTextFile(SPEC_PATH).catch(() => "");
  if (committed === rendered) {
    options.out(`${SPEC_PATH} is up to date`);
    return true;
  }
  options.err(`${SPEC_PATH} differs from the code: run \`deno task openapi\` and commit the result`);
  return false;
}
