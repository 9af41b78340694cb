/** Where a command prints: standard output and standard error, one line per call. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}
