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
 * the test defaults overridden by `env` (no variable of the test process), `.env` and PGlite's
 * data read from `directory`.
 */
export async function runMainCommand(
  args: string[],
  env: Record<string, string> = {},
  options: { directory?: string } = {},
): Promise<CommandResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, {
    env: { ...MAIN_DEFAULTS, ...env },
    directory: options.directory,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n").trim(), err: err.join("\n").trim() };
}
