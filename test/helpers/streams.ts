/**
 * An independent model of RewardPools stream release, for tests: each stream's rate is
 * floor(amount · 2^32 / duration) (`RATE_SCALE` = 2^32) and the pool has released, at time t,
 * floor((Σ ended amount · 2^32 + Σ running rate · (t − start)) / 2^32) of what it received.
 * Nothing here calls the contract.
 */

/** `RewardPools.RATE_SCALE`: fixed point of stream rates. */
export const RATE_SCALE = 1n << 32n;

/** Ceiling of a / b for non-negative bigints. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** `PoolMath.streamRate`: the rounded-down rate and the dust it leaves, both times 2^32. */
export function streamRate(amount: bigint, duration: bigint): { rate: bigint; dust: bigint } {
  const rate = (amount * RATE_SCALE) / duration;
  return { rate, dust: amount * RATE_SCALE - rate * duration };
}

export interface ModelStream {
  amount: bigint;
  start: bigint;
  end: bigint;
}

/** What `stream` released by `t`, times 2^32, as the pool counts it (its rounded-down rate, its amount at the end). */
export function releasedScaled(stream: ModelStream, t: bigint): bigint {
  if (t <= stream.start) return 0n;
  if (t >= stream.end) return stream.amount * RATE_SCALE;
  return streamRate(stream.amount, stream.end - stream.start).rate * (t - stream.start);
}

/** Whole token units the pool released from `streams` by `t` (no cancellations). */
export function releasedBy(streams: ModelStream[], t: bigint): bigint {
  return streams.reduce((sum, s) => sum + releasedScaled(s, t), 0n) / RATE_SCALE;
}

/** floor(Σ amount · elapsed / duration): the exact release, rounded down once. */
export function exactReleasedFloor(streams: ModelStream[], t: bigint): bigint {
  // Common denominator: Π durations would be huge; sum scaled fractions exactly with rationals instead.
  let num = 0n;
  let den = 1n;
  for (const s of streams) {
    const duration = s.end - s.start;
    const elapsed = t <= s.start ? 0n : t >= s.end ? duration : t - s.start;
    // num/den + amount·elapsed/duration
    num = num * duration + s.amount * elapsed * den;
    den = den * duration;
  }
  return num / den;
}

/** Number of streams still running at `t`. */
export function runningAt(streams: ModelStream[], t: bigint): number {
  return streams.filter((s) => s.start <= t && t < s.end).length;
}

/** What cancelling `stream` at `t` refunds: amount − ceil(rate · elapsed / 2^32). */
export function refundAt(stream: ModelStream, t: bigint): { released: bigint; refunded: bigint } {
  const { rate } = streamRate(stream.amount, stream.end - stream.start);
  const released = ceilDiv(rate * (t - stream.start), RATE_SCALE);
  return { released, refunded: stream.amount - released };
}
