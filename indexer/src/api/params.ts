/**
 * Path and query parameters of the /kc endpoints, read strictly: a malformed one is a 400 with a one-line JSON
 * error (see `errorBody`), never an unhandled BigInt SyntaxError answered as a bare 500.
 */

/** A request the index refuses as malformed (HTTP 400). */
export class BadRequest extends Error {}

/** A non-negative whole number (uint256 at most), e.g. a pool id or `?at=` seconds. */
export function uintParam(text: string, what: string): bigint {
  if (!/^\d{1,78}$/.test(text)) throw new BadRequest(`${what} is not a whole number: ${text.slice(0, 80)}`);
  const value = BigInt(text);
  if (value >= 1n << 256n) throw new BadRequest(`${what} is larger than a uint256: ${text.slice(0, 80)}`);
  return value;
}

/** `?limit=` and the like: absent is `fallback`, else a whole number in `min`..`max`. */
export function countParam(
  text: string | undefined,
  what: string,
  fallback: number,
  max: number,
  min = 1,
): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(uintParam(text, what));
  if (n < min || n > max) throw new BadRequest(`${what} is from ${min} to ${max}, not ${text.slice(0, 80)}`);
  return n;
}

/** The status and JSON body for an error thrown by a handler: 400 with the reason for a BadRequest, else 500. */
export function errorBody(err: unknown): { status: 400 | 500; body: { error: string } } {
  if (err instanceof BadRequest) return { status: 400, body: { error: err.message } };
  return { status: 500, body: { error: `the index failed: ${(err as Error)?.message ?? String(err)}` } };
}
