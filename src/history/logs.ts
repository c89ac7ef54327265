import type { Filter, Log } from "ethers";

/**
 * Reading logs in block windows whose size adapts to what the provider accepts: a window the provider
 * refuses ("block range too large", "query returned more than 10000 results", …) is halved and retried;
 * every accepted window lets the next one grow again, up to `max`.
 */

/** What the history reader needs from a provider; an ethers `Provider` has it all. */
export interface LogSource {
  getBlockNumber(): Promise<number>;
  getBlock(blockTag: number): Promise<{ number: number; hash: string | null } | null>;
  getLogs(filter: Filter): Promise<Log[]>;
}

export interface RangeOptions {
  /** First window size, in blocks (default 10,000). */
  initial?: number;
  /** Largest window (default 5,000,000). */
  max?: number;
  /** Below this a refusal is an error, not a reason to shrink (default 1). */
  min?: number;
}

/**
 * The window size: halves on refusal, doubles on success. After a refusal it does not grow back to the
 * refused size for the next `RETRY_AFTER` windows (a fixed block limit would only refuse it again; a
 * results limit depends on how busy the blocks are, so it is tried again later). Keep one per provider
 * to remember what works.
 */
export class AdaptiveRange {
  static readonly RETRY_AFTER = 16;
  size: number;
  readonly max: number;
  readonly min: number;
  /** Windows the provider refused so far (for reports and tests). */
  refusals = 0;
  private refused = Infinity;
  private untilRetry = 0;

  constructor(options: RangeOptions = {}) {
    this.max = options.max ?? 5_000_000;
    this.min = options.min ?? 1;
    this.size = Math.min(Math.max(options.initial ?? 10_000, this.min), this.max);
  }

  grow(): void {
    if (this.untilRetry > 0 && --this.untilRetry === 0) this.refused = Infinity;
    if (this.size * 2 < this.refused) this.size = Math.min(this.size * 2, this.max);
  }

  /** Halves the window; false when it is already at its minimum. */
  shrink(): boolean {
    if (this.size <= this.min) return false;
    this.refusals++;
    this.refused = this.size;
    this.untilRetry = AdaptiveRange.RETRY_AFTER;
    this.size = Math.max(Math.floor(this.size / 2), this.min);
    return true;
  }
}

const REFUSAL =
  /range|too many|more than \d+|limit exceeded|exceeds? (the )?(max|limit)|response size|too large|query timeout|timed? ?out|-32005|-32614/i;

/** Whether `err` is a provider refusing a window as too big (rather than a network or input failure). */
export function isRangeRefusal(err: unknown): boolean {
  const e = err as { message?: unknown; info?: unknown; error?: unknown; code?: unknown };
  const parts = [e?.message, safeJson(e?.info), safeJson(e?.error), e?.code];
  return parts.some((p) => typeof p === "string" && REFUSAL.test(p)) || e?.code === -32005;
}

function safeJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return undefined;
  }
}

/**
 * Every log matching `filter` in blocks `from..to` (inclusive), in chain order. Windows go one after the
 * other so a refusal can shrink the next; `range` keeps the size that worked for the next call.
 */
export async function getLogsAdaptive(
  source: LogSource,
  filter: { address: string[]; topics: (string | string[] | null)[] },
  from: number,
  to: number,
  range: AdaptiveRange,
  onWindow?: (from: number, to: number, logs: number) => void,
): Promise<Log[]> {
  const logs: Log[] = [];
  let start = from;
  while (start <= to) {
    const end = Math.min(start + range.size - 1, to);
    let batch: Log[];
    try {
      batch = await source.getLogs({ ...filter, fromBlock: start, toBlock: end });
    } catch (err) {
      if (isRangeRefusal(err) && end > start && range.shrink()) continue;
      throw err;
    }
    onWindow?.(start, end, batch.length);
    logs.push(...batch);
    // Grow only after a window of the full size: a short last window says nothing about the limit.
    if (end - start + 1 === range.size) range.grow();
    start = end + 1;
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}
