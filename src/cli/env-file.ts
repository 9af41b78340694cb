import { parse } from "dotenv";

/** The file the original backend's set-up asks for; read from the working directory. */
export const ENV_FILE = ".env";

/**
 * Reads a dotenv file with dotenv's own parser, so a file written for the original backend
 * means the same here. Undefined when the file does not exist; any other failure throws.
 */
export async function readEnvFile(path: string): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot read ${path}: ${error instanceof Error ? error.message : error}`, { cause: error });
  }
  return parse(text);
}

/** The variables the configuration sees, and which of the file's the environment overrode. */
export interface MergedEnvironment {
  env: Record<string, string>;
  /** Names set both in the file and in the environment (the environment's value is used) */
  overridden: string[];
}

/**
 * Puts the file's variables under the process environment: a variable already in the
 * environment wins, even when empty, as dotenv's own loader does.
 */
export function mergeEnvFile(file: Record<string, string>, env: Record<string, string>): MergedEnvironment {
  return {
    env: { ...file, ...env },
    overridden: Object.keys(file).filter((name) => Object.hasOwn(env, name)),
  };
}

/** The variables to configure from, and what `.env` added (names and counts only, never values). */
export interface LoadedEnvironment {
  env: Record<string, string>;
  envFile?: { file: string; variables: number; overridden: string[] };
}

/**
 * The process environment with `directory`'s `.env` under it (see mergeEnvFile). Throws when
 * the file exists but cannot be read.
 */
export async function loadEnvironment(processEnv: Record<string, string>, directory = "."): Promise<LoadedEnvironment> {
  const fromFile = await readEnvFile(`${directory}/${ENV_FILE}`);
  if (!fromFile) return { env: processEnv };
  const { env, overridden } = mergeEnvFile(fromFile, processEnv);
  return { env, envFile: { file: ENV_FILE, variables: Object.keys(fromFile).length, overridden } };
}
