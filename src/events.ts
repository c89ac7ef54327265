import type { KnowledgeRegistry, RewardPools } from "../typechain-types";
import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog } from "../typechain-types/common";

/**
 * What the CLI reads from events rather than views: URIs, children, pool memberships and an account's
 * artifacts. The contracts emit everything an indexer needs, so this is a small in-memory indexer.
 */

/** Blocks per `eth_getLogs` request: hosted RPCs refuse big ranges. Override with env KC_LOG_RANGE. */
export function logRange(): number {
  const n = Number(process.env.KC_LOG_RANGE ?? 50_000);
  return Number.isInteger(n) && n > 0 ? n : 50_000;
}

interface Queryable {
  queryFilter<E extends TypedContractEvent>(
    filter: TypedDeferredTopicFilter<E>,
    fromBlock?: number,
    toBlock?: number,
  ): Promise<TypedEventLog<E>[]>;
  runner: { provider: { getBlockNumber(): Promise<number> } | null } | null;
}

/** All logs matching `filter` from `fromBlock` to the latest block, in chain order, in bounded ranges. */
export async function queryEvents<E extends TypedContractEvent>(
  contract: Queryable,
  filter: TypedDeferredTopicFilter<E>,
  fromBlock = 0,
): Promise<TypedEventLog<E>[]> {
  const latest = await contract.runner!.provider!.getBlockNumber();
  const range = logRange();
  const logs: TypedEventLog<E>[] = [];
  for (let start = fromBlock; start <= latest; start += range) {
    logs.push(...(await contract.queryFilter(filter, start, Math.min(start + range - 1, latest))));
  }
  return logs;
}

export interface ArtifactRecord {
  digest: string;
  /** Registrant, the first owner (the current one is `ownerOf`). */
  registrant: string;
  kind: number;
  /** `IKnowledgeRegistry.DigestScheme`. */
  scheme: number;
  /** The commit-reveal commitment the registration consumed (zero with commit-reveal off). */
  commitment: string;
  /** The latest URI: from registration, or the last `URIUpdated`. */
  uri: string;
  contributors: { account: string; share: bigint }[];
  /** Current holder of each slot, after `ContributorSlotMoved`. */
  holders: string[];
  parents: string[];
  upstreamBps: number;
  minUpstreamBps: number;
  blockNumber: number;
  txHash: string;
  retractedReason?: string;
}

export interface RegistryIndex {
  /** By digest, in registration order (parents before children). */
  artifacts: Map<string, ArtifactRecord>;
  children(digest: string): string[];
  /** Digests whose slots `account` holds now, in registration order. */
  artifactsOf(account: string): string[];
  /**
   * Every artifact downstream of `digests` (children, their children, …), latest registered first, so
   * settling them in this order moves upstream flow all the way up in one transaction.
   */
  descendants(digests: Iterable<string>): string[];
}

export async function loadRegistryIndex(registry: KnowledgeRegistry, fromBlock = 0): Promise<RegistryIndex> {
  const [registered, uris, moves, retractions] = await Promise.all([
    queryEvents(registry, registry.filters.ArtifactRegistered(), fromBlock),
    queryEvents(registry, registry.filters.URIUpdated(), fromBlock),
    queryEvents(registry, registry.filters.ContributorSlotMoved(), fromBlock),
    queryEvents(registry, registry.filters.ArtifactRetracted(), fromBlock),
  ]);
  const artifacts = new Map<string, ArtifactRecord>();
  const childrenOf = new Map<string, string[]>();
  for (const log of registered) {
    const a = log.args;
    const digest = a.digest.toLowerCase();
    const contributors = a.contributors.map((c) => ({ account: c.account, share: BigInt(c.share) }));
    const parents = a.parents.map((p) => p.toLowerCase());
    artifacts.set(digest, {
      digest,
      registrant: a.owner,
      kind: Number(a.kind),
      scheme: Number(a.scheme),
      commitment: a.commitment,
      uri: a.uri,
      contributors,
      holders: contributors.map((c) => c.account),
      parents,
      upstreamBps: Number(a.upstreamBps),
      minUpstreamBps: Number(a.minUpstreamBps),
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    });
    for (const parent of parents) childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), digest]);
  }
  for (const log of uris) {
    const record = artifacts.get(log.args.digest.toLowerCase());
    if (record) record.uri = log.args.uri;
  }
  for (const log of moves) {
    const record = artifacts.get(log.args.digest.toLowerCase());
    if (record) record.holders[Number(log.args.slot)] = log.args.to;
  }
  for (const log of retractions) {
    const record = artifacts.get(log.args.digest.toLowerCase());
    if (record) record.retractedReason = log.args.reason;
  }
  const order = [...artifacts.keys()];
  return {
    artifacts,
    children: (digest) => childrenOf.get(digest.toLowerCase()) ?? [],
    artifactsOf: (account) =>
      order.filter((d) => artifacts.get(d)!.holders.some((h) => h.toLowerCase() === account.toLowerCase())),
    descendants(digests) {
      const found = new Set<string>();
      const pending = [...digests].map((d) => d.toLowerCase());
      for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
        for (const child of childrenOf.get(d) ?? []) {
          if (!found.has(child)) {
            found.add(child);
            pending.push(child);
          }
        }
      }
      return order.filter((d) => found.has(d)).reverse();
    },
  };
}

/** Artifacts ever admitted to `poolId`, in order of first admission (the current weight is `member()`). */
export async function admittedArtifacts(
  pools: RewardPools,
  poolId: bigint,
  fromBlock = 0,
): Promise<string[]> {
  const logs = await queryEvents(pools, pools.filters.ArtifactAdmitted(poolId), fromBlock);
  return [...new Set(logs.map((l) => l.args.artifact.toLowerCase()))];
}

/** Pools `digest` was ever admitted to, in order of first admission. */
export async function poolsOfArtifact(pools: RewardPools, digest: string, fromBlock = 0): Promise<bigint[]> {
  const logs = await queryEvents(pools, pools.filters.ArtifactAdmitted(undefined, digest), fromBlock);
  return [...new Set(logs.map((l) => l.args.poolId))];
}

export interface PoolTotals {
  /** What the pool received (instant and streamed) and kept (less cancelled streams' refunds), in base units. */
  funded: bigint;
  /** What cancelled streams paid back to their funders. */
  refunded: bigint;
  claimed: bigint;
  /** Base units each account has claimed. */
  claimedBy: Map<string, bigint>;
}

export async function poolTotals(pools: RewardPools, poolId: bigint, fromBlock = 0): Promise<PoolTotals> {
  const [instant, streamed, cancelled, claims] = await Promise.all([
    queryEvents(pools, pools.filters.PoolFunded(poolId), fromBlock),
    queryEvents(pools, pools.filters.StreamCreated(poolId), fromBlock),
    queryEvents(pools, pools.filters.StreamCancelled(poolId), fromBlock),
    queryEvents(pools, pools.filters.RewardsClaimed(poolId), fromBlock),
  ]);
  const refunded = cancelled.reduce((sum, l) => sum + l.args.refunded, 0n);
  const claimedBy = new Map<string, bigint>();
  for (const log of claims) {
    claimedBy.set(log.args.account, (claimedBy.get(log.args.account) ?? 0n) + log.args.amount);
  }
  return {
    funded: [...instant, ...streamed].reduce((sum, l) => sum + l.args.received, 0n) - refunded,
    refunded,
    claimed: claims.reduce((sum, l) => sum + l.args.amount, 0n),
    claimedBy,
  };
}
