/**
 * How guessable a password is, by zxcvbn's estimate over the English and common dictionaries,
 * keyboard patterns, dates, sequences, repeats and l33t spellings. The dictionaries are loaded
 * on the first check, once per process, so starting the service (and generating the spec) does
 * not pay for them.
 * @module
 */
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

/** Estimated guesses below this are refused: zxcvbn's score 3 band ("safely unguessable"). */
export const MIN_GUESSES_LOG10 = 8;

/**
 * Characters estimated. The estimate of a prefix is never higher than the whole password's, so
 * this only caps the cost (it grows faster than the length) and never lets a weak password by.
 */
const ESTIMATED_LENGTH = 40;
/** l33t spellings tried per password; the default of 100 costs up to a second at 72 characters. */
const L33T_SUBSTITUTIONS = 4;

/** Words that belong to the service itself, refused inside a password like the user's own. */
export const SERVICE_WORDS: readonly string[] = ["jessy", "jessyai", "jessy ai"];

export interface StrengthEstimate {
  guessesLog10: number;
  /** Why it is guessable, in a sentence (empty when the estimator has nothing specific to say) */
  warning: string;
  suggestions: string[];
}

let factory: Promise<ZxcvbnFactory> | undefined;

async function loadFactory(): Promise<ZxcvbnFactory> {
  const [{ ZxcvbnFactory }, common, english] = await Promise.all([
    import("@zxcvbn-ts/core"),
    import("@zxcvbn-ts/language-common"),
    import("@zxcvbn-ts/language-en"),
  ]);
  return new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
    maxLength: ESTIMATED_LENGTH,
    l33tMaxSubstitutions: L33T_SUBSTITUTIONS,
  });
}

/** The estimator, built on first use and shared by every policy of the process. */
function estimator(): Promise<ZxcvbnFactory> {
  factory ??= loadFactory().catch((error) => {
    factory = undefined;
    throw error;
  });
  return factory;
}

/** Estimates `password` (already normalised), counting `userInputs` (address, name, service) as known words. */
export async function estimateStrength(password: string, userInputs: readonly string[]): Promise<StrengthEstimate> {
  const result = (await estimator()).check(password, [...userInputs]);
  return {
    guessesLog10: result.guessesLog10,
    warning: result.feedback.warning ?? "",
    suggestions: result.feedback.suggestions,
  };
}
