import type { ContractRunner } from "ethers";

import type { RewardPools } from "../typechain-types";
import { type TokenMeta, multicallViews, tokenMetas } from "./batch";
import type { HistoryView } from "./history/view";

/** Lists for wallets and the CLI: every pool, and an account's artifacts. One batch of views at most. */

export interface PoolSummary {
  poolId: bigint;
  token: TokenMeta;
  curator: string;
  pendingCurator: string;
  curationDelay: bigint;
  members: number;
  totalWeight: bigint;
  /** Received from instant funds and streams, less what cancelled streams refunded. */
  funded: bigint;
  claimed: bigint;
  /** Released per second by the running streams, in token base units (rounded down). */
  ratePerSecond: bigint;
  streamsRunning: number;
  streamsTotal: number;
  /** Not yet released by the running streams. */
  streaming: bigint;
  carried: bigint;
  nextStreamEnd: bigint;
}

/** Every pool the history knows, with its live state (one `eth_call` per 200 pools, sent together). */
export async function poolsOverview(
  history: HistoryView,
  pools: RewardPools,
  runner: ContractRunner = pools.runner!,
): Promise<PoolSummary[]> {
  const records = history.pools();
  if (records.length === 0) return [];
  const [views, rateScale, tokens] = await Promise.all([
    multicallViews(
      pools,
      records.map((p) => ({ fn: "pool", args: [p.poolId] })),
      { blockTag: history.block },
    ),
    pools.RATE_SCALE({ blockTag: history.block }),
    tokenMetas(
      records.map((p) => p.token),
      runner,
    ),
  ]);
  return records.map((p, i) => {
    const v = views[i][0];
    const now = BigInt(v.lastUpdate);
    return {
      poolId: p.poolId,
      token: tokens.get(p.token)!,
      curator: v.curator,
      pendingCurator: v.pendingCurator,
      curationDelay: v.curationDelay,
      members: p.members.length,
      totalWeight: v.totalWeight,
      funded: p.received - p.refunded,
      claimed: p.claimed,
      ratePerSecond: (v.rate as bigint) / rateScale,
      streamsRunning: p.streams.filter((s) => !s.cancelled && s.end > now).length,
      streamsTotal: p.streams.length,
      streaming: v.streaming,
      carried: v.carried,
      nextStreamEnd: v.nextStreamEnd,
    };
  });
}

export interface AccountArtifact {
  artifact: string;
  kind: number;
  uri: string;
  slot: number;
  share: bigint;
  totalShares: bigint;
  parents: string[];
  children: number;
  upstreamBps: number;
  retracted: boolean;
  /** Pools the artifact is or was in, with its weight now (0 once removed). */
  pools: { poolId: bigint; weight: bigint }[];
}

/** The artifacts whose slots `account` holds now, in registration order. Reads nothing beyond the history. */
export function accountArtifacts(history: HistoryView, account: string): AccountArtifact[] {
  return history.artifactsOf(account).map((digest) => {
    const a = history.artifacts.get(digest)!;
    const slot = history.slotOf(digest, account)!;
    return {
      artifact: digest,
      kind: a.kind,
      uri: a.uri,
      slot,
      share: a.contributors[slot].share,
      totalShares: a.contributors.reduce((s, c) => s + c.share, 0n),
      parents: a.parents,
      children: history.children(digest).length,
      upstreamBps: a.upstreamBps,
      retracted: a.retractedReason !== undefined,
      pools: history.poolsOf(digest).map((poolId) => ({
        poolId,
        weight: BigInt(history.state.pools[poolId.toString()].weights[digest]),
      })),
    };
  });
}
