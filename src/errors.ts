/**
 * A user-facing error: its message is one readable line that names the bad value, so the CLI can print
 * it as is and exit non-zero. Anything else that escapes is a bug and keeps its stack trace.
 */
export class KcError extends Error {
  override name = "KcError";
}

/** Quote a user value for an error message only when printing it raw could break the line. */
export function show(value: string): string {
  return /[\x00-\x1f\x7f]/.test(value) || value === "" || value.trim() !== value
    ? JSON.stringify(value)
    : value;
}
