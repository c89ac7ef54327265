import type { HistoryState, PoolState } from "./state";

/** An artifact as the registry's events describe it (the current owner is `ownerOf`). */
export interface ArtifactRecord {
  digest: string;
  /** Registrant, the first owner. */
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

/** The registry's lineage and slots, as settling and claiming need them (`HistoryView` is one). */
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

/** A pool as the events describe it (views such as the index and rate come from the contract). */
export interface PoolRecord {
  poolId: bigint;
  token: string;
  curator: string;
  creator: string;
  curationDelay: bigint;
  blockNumber: number;
  /** Artifacts with a weight now, in order of first admission. */
  members: { artifact: string; weight: bigint }[];
  /** Every artifact ever admitted (removed ones included: what they earned stays claimable). */
  everAdmitted: string[];
  received: bigint;
  refunded: bigint;
  claimed: bigint;
  fundings: number;
  /** Scaled amounts that flowed up the lineage (`UpstreamFlowed`), per edge, in order of first flow. */
  flows: { child: string; parent: string; scaledAmount: bigint }[];
  /** Ids of announced curation changes neither executed nor cancelled, oldest first. */
  pendingChanges: bigint[];
  streams: {
    streamId: string;
    funder: string;
    received: bigint;
    start: bigint;
    end: bigint;
    cancelable: boolean;
    cancelled: boolean;
    /** Once cancelled: what the members got and what went back to the funder. */
    released?: bigint;
    refunded?: bigint;
  }[];
}

/**
 * Queries over a synced history (`syncHistory`); the one reader of both contracts' events.
 */
export class HistoryView implements RegistryIndex {
  readonly artifacts: Map<string, ArtifactRecord>;
  private readonly childrenOf = new Map<string, string[]>();
  private readonly order: string[];
  private byHolder?: Map<string, string[]>;

  constructor(
    readonly state: HistoryState,
    /** The block the view is exact at (reads that go with it should use this block tag). */
    readonly block: number,
  ) {
    this.artifacts = new Map();
    for (const a of Object.values(state.artifacts)) {
      this.artifacts.set(a.digest, {
        ...a,
        contributors: a.contributors.map((c) => ({ account: c.account, share: BigInt(c.share) })),
      });
      for (const parent of a.parents)
        this.childrenOf.set(parent, [...(this.childrenOf.get(parent) ?? []), a.digest]);
    }
    this.order = [...this.artifacts.keys()];
  }

  children(digest: string): string[] {
    return this.childrenOf.get(digest.toLowerCase()) ?? [];
  }

  /** Digests whose slots `account` holds now, in registration order. */
  artifactsOf(account: string): string[] {
    if (!this.byHolder) {
      this.byHolder = new Map();
      for (const digest of this.order) {
        const seen = new Set<string>();
        for (const holder of this.artifacts.get(digest)!.holders) {
          const key = holder.toLowerCase();
          if (seen.has(key)) continue;
          seen.add(key);
          this.byHolder.set(key, [...(this.byHolder.get(key) ?? []), digest]);
        }
      }
    }
    return this.byHolder.get(account.toLowerCase()) ?? [];
  }

  /** The slot `account` holds in `digest` (the first, should it hold several), or undefined. */
  slotOf(digest: string, account: string): number | undefined {
    const holders = this.artifacts.get(digest.toLowerCase())?.holders ?? [];
    const slot = holders.findIndex((h) => h.toLowerCase() === account.toLowerCase());
    return slot < 0 ? undefined : slot;
  }

  /** Every artifact downstream of `digests`, latest registered first (see `RegistryIndex.descendants`). */
  descendants(digests: Iterable<string>): string[] {
    const found = new Set<string>();
    const pending = [...digests].map((d) => d.toLowerCase());
    for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
      for (const child of this.childrenOf.get(d) ?? []) {
        if (!found.has(child)) {
          found.add(child);
          pending.push(child);
        }
      }
    }
    return this.order.filter((d) => found.has(d)).reverse();
  }

  /** Every pool, by id. */
  pools(): PoolRecord[] {
    return Object.values(this.state.pools).map(poolRecord);
  }

  pool(poolId: bigint): PoolRecord | undefined {
    const state = this.state.pools[poolId.toString()];
    return state && poolRecord(state);
  }

  /** Pools `digest` was ever admitted to. */
  poolsOf(digest: string): bigint[] {
    const key = digest.toLowerCase();
    return Object.values(this.state.pools)
      .filter((p) => key in p.weights)
      .map((p) => BigInt(p.poolId));
  }

  /** Scaled amount that flowed into `digest` from its children in `poolId` so far. */
  inflowScaled(poolId: bigint, digest: string): bigint {
    return BigInt(this.state.pools[poolId.toString()]?.inflowScaled[digest.toLowerCase()] ?? "0");
  }

  /** What slot `slot` of `digest` has claimed from `poolId` (the contract's `claimed` view). */
  claimed(poolId: bigint, digest: string, slot: number): bigint {
    return BigInt(
      this.state.pools[poolId.toString()]?.claimedBySlot[`${digest.toLowerCase()}:${slot}`] ?? "0",
    );
  }

  /** Weight of `digest` in `poolId` now (0 if it is no member). */
  weight(poolId: bigint, digest: string): bigint {
    return BigInt(this.state.pools[poolId.toString()]?.weights[digest.toLowerCase()] ?? "0");
  }

  /**
   * Which of `digests` can hold anything in `poolId`: those ever admitted, and those with a descendant ever
   * admitted (upstream flow reaches parents that are not members themselves).
   */
  relevantIn(poolId: bigint, digests: string[]): string[] {
    const weights = this.state.pools[poolId.toString()]?.weights ?? {};
    // Every ever-admitted artifact and all its ancestors, in one walk up the lineage.
    const feeding = new Set<string>();
    const pending = Object.keys(weights);
    for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
      if (feeding.has(d)) continue;
      feeding.add(d);
      pending.push(...(this.artifacts.get(d)?.parents ?? []));
    }
    return digests.filter((d) => feeding.has(d.toLowerCase()));
  }
}

function poolRecord(p: PoolState): PoolRecord {
  const everAdmitted = Object.keys(p.weights);
  return {
    poolId: BigInt(p.poolId),
    token: p.token,
    curator: p.curator,
    creator: p.creator,
    curationDelay: BigInt(p.curationDelay),
    blockNumber: p.blockNumber,
    members: everAdmitted
      .map((artifact) => ({ artifact, weight: BigInt(p.weights[artifact]) }))
      .filter((m) => m.weight > 0n),
    everAdmitted,
    received: BigInt(p.received),
    refunded: BigInt(p.refunded),
    claimed: BigInt(p.claimed),
    fundings: p.fundings,
    flows: Object.entries(p.flowsScaled).map(([edge, amount]) => {
      const [child, parent] = edge.split(":");
      return { child, parent, scaledAmount: BigInt(amount) };
    }),
    pendingChanges: p.pendingChanges.map(BigInt),
    streams: Object.entries(p.streams).map(([streamId, s]) => ({
      streamId,
      funder: s.funder,
      received: BigInt(s.received),
      start: BigInt(s.start),
      end: BigInt(s.end),
      cancelable: s.cancelable,
      cancelled: s.cancelled !== undefined,
      released: s.cancelled && BigInt(s.cancelled.released),
      refunded: s.cancelled && BigInt(s.cancelled.refunded),
    })),
  };
}
