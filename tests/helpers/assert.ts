/** Minimal assertions (jsr:@std/assert is not reachable from these machines). */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

export function assert(condition: unknown, message = "Assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(message);
}

function stable(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  const a = stable(actual);
  const e = stable(expected);
  if (a !== e) throw new AssertionError(`${message ? message + ": " : ""}expected ${e}, got ${a}`);
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  if (stable(actual) === stable(expected)) {
    throw new AssertionError(`${message ? message + ": " : ""}expected a value other than ${stable(actual)}`);
  }
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual)) throw new AssertionError(message ?? `${JSON.stringify(actual)} does not match ${pattern}`);
}

export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(message ?? `${JSON.stringify(actual)} does not include ${JSON.stringify(expected)}`);
  }
}

// deno-lint-ignore no-explicit-any -- constructors of any error type
type ErrorClass<E> = new (...args: any[]) => E;

export function assertThrows<E extends Error = Error>(fn: () => unknown, errorClass?: ErrorClass<E>): E {
  try {
    fn();
  } catch (error) {
    if (errorClass && !(error instanceof errorClass)) {
      throw new AssertionError(`expected ${errorClass.name}, got ${(error as Error)?.name}: ${error}`);
    }
    return error as E;
  }
  throw new AssertionError("expected the function to throw");
}

export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass<E>,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    if (errorClass && !(error instanceof errorClass)) {
      throw new AssertionError(`expected ${errorClass.name}, got ${(error as Error)?.name}: ${error}`);
    }
    return error as E;
  }
  throw new AssertionError("expected the promise to reject");
}
