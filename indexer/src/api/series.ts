/**
 * Time series for the app's charts, computed from the kept logs (`reducer_log`) alone:
 *   poolSeries      what a pool was funded (instantly and by streams), refunded and paid out in claims, summed
 *                   block by block;
 *   artifactSeries  what an artifact earned in each pool over time: claimed plus claimable, summed over its
 *                   contributor slots, as the contract's `claimed` and `claimableBySlot` say at each point.
 * Amounts are base units (bigints); the API turns them into decimal strings.
 */
import { PoolsReducer, type ReducerLog } from "../../../src/poolsReducer";

/** The most points a series keeps; longer ones keep evenly spaced points (always the first and the last). */
export const MAX_POINTS = 400;

export interface PoolPoint {
  block: number;
  timestamp: bigint;
  /** Σ received by `fund` and `fundStream` up to and including this block (a stream counts when it starts). */
  funded: bigint;
  /** Σ paid back by `cancelStream`. */
  refunded: bigint;
  /** Σ paid by claims. */
  claimed: bigint;
}

const FLOWS = ["PoolCreated", "PoolFunded", "StreamCreated", "StreamCancelled", "RewardsClaimed"];
export const POOL_SERIES_EVENTS: readonly string[] = FLOWS;

const big = (v: unknown) => BigInt(v as string);

/**
 * One point per block in which `poolId` was created, funded, refunded or paid (`logs`: that pool's logs in chain
 * order, others are skipped), and a last point at `at` with the totals then (the chain's time when asked).
 */
export function poolSeries(logs: readonly ReducerLog[], poolId: bigint, at: bigint): PoolPoint[] {
  const points: PoolPoint[] = [];
  let funded = 0n;
  let refunded = 0n;
  let claimed = 0n;
  for (const log of logs) {
    if (log.source !== "pools" || !FLOWS.includes(log.name)) continue;
    const a = log.args as Record<string, unknown>;
    if (big(a.poolId) !== poolId) continue;
    if (log.name === "PoolFunded" || log.name === "StreamCreated") funded += big(a.received);
    else if (log.name === "StreamCancelled") refunded += big(a.refunded);
    else if (log.name === "RewardsClaimed") claimed += big(a.amount);
    const last = points[points.length - 1];
    if (last?.block === log.blockNumber) Object.assign(last, { funded, refunded, claimed });
    else points.push({ block: log.blockNumber, timestamp: log.timestamp, funded, refunded, claimed });
  }
  const last = points[points.length - 1];
  if (last && at > last.timestamp) points.push({ ...last, timestamp: at });
  return thin(points);
}

export interface EarnedPoint {
  block: number;
  timestamp: bigint;
  /** Claimed + claimable, summed over the artifact's slots. */
  earned: bigint;
  claimed: bigint;
}

export interface EarnedSeries {
  poolId: bigint;
  token: string;
  points: EarnedPoint[];
}

/**
 * What `digest` earned in every pool it earns in (admitted, or reached by its derivatives' upstream flow): the
 * logs are replayed through the pools' reducer block by block, and after each block with a log of such a pool the
 * artifact's claimed and claimable (the contract's views, at that block's time) are summed over its slots. A last
 * point at `at` shows what it has earned now (streams keep adding between logs).
 */
export function artifactSeries(logs: readonly ReducerLog[], digest: string, at: bigint): EarnedSeries[] {
  const key = digest.toLowerCase();
  const reducer = new PoolsReducer();
  const series = new Map<bigint, EarnedSeries>();
  const sample = (poolId: bigint, block: number, timestamp: bigint) => {
    const pool = reducer.pools.get(poolId);
    const facts = reducer.artifacts.get(key);
    if (!pool || !facts || !pool.members.has(key)) return;
    let earned = 0n;
    let claimed = 0n;
    for (let slot = 0; slot < facts.shares.length; slot++) {
      const paid = reducer.claimed(poolId, key, slot);
      claimed += paid;
      earned += paid + reducer.claimableBySlot(poolId, key, slot, timestamp);
    }
    let s = series.get(poolId);
    if (!s) series.set(poolId, (s = { poolId, token: pool.token, points: [] }));
    s.points.push({ block, timestamp, earned, claimed });
  };
  for (let i = 0; i < logs.length;) {
    const block = logs[i].blockNumber;
    const timestamp = logs[i].timestamp;
    let j = i;
    const touched = new Set<bigint>();
    while (j < logs.length && logs[j].blockNumber === block) {
      const a = logs[j].args as Record<string, unknown>;
      if (logs[j].source === "pools" && a.poolId !== undefined) touched.add(big(a.poolId));
      j++;
    }
    reducer.apply(logs.slice(i, j));
    for (const poolId of touched) sample(poolId, block, timestamp);
    i = j;
  }
  const lastBlock = logs.length ? logs[logs.length - 1].blockNumber : 0;
  for (const s of series.values()) {
    if (at > s.points[s.points.length - 1].timestamp) sample(s.poolId, lastBlock, at);
    s.points = thin(s.points);
  }
  return [...series.values()].sort((x, y) => (x.poolId < y.poolId ? -1 : 1));
}

/** At most MAX_POINTS evenly spaced points, the first and the last always among them. */
export function thin<T>(points: T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]);
  return out;
}
