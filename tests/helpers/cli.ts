import { runCommand } from "../../src/cli/commands.ts";
import { MAIN_DEFAULTS } from "./server.ts";

export interface CommandResult {
  code: number;
  /** Standard output, lines joined and trimmed */
  out: string;
  /** Standard error, lines joined and trimmed */
  err: string;
}

/**
 * A command of src/main.ts (`keys …`, `migrate`, …) run in this process, as main.ts runs it:
 * the test defaults minus `unset` overridden by `env` (no variable of the test process), `.env`
 * and PGlite's data read from `directory`.
 */
export async function runMainCommand(
  args: string[],
  env: Record<string, string> = {},
  options: { directory?: string; unset?: readonly string[] } = {},
): Promise<CommandResult> {
  const out: string[] = [];
  const err: string[] = [];
  const unset = new Set(options.unset ?? []);
  const defaults = Object.fromEntries(Object.entries(MAIN_DEFAULTS).filter(([name]) => !unset.has(name)));
  let code: number;
  try {
    code = await runCommand(args, {
      env: { ...defaults, ...env },
      directory: options.directory,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
  } catch (error) {
    // What the process does with an error main.ts lets through: printed with its stack, exit code 1
    err.push(`error: Uncaught (in promise) ${error instanceof Error ? error.stack : error}`);
    code = 1;
  }
  return { code, out: out.join("\n").trim(), err: err.join("\n").trim() };
}
