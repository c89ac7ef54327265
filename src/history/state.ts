import type { Interface, Log } from "ethers";

/**
 * The history index: what the registry and pools events say, reduced to plain JSON (amounts as decimal
 * strings) so it can be cached on disk and resumed. `applyLog` folds one log in; logs must come in chain
 * order. Views (weights, claimable amounts) stay on-chain: this holds what only the events know — who
 * contributes to what, lineage, URIs, which pools exist and who is in them, what flowed upstream.
 */

export interface ArtifactState {
  digest: string;
  registrant: string;
  kind: number;
  scheme: number;
  commitment: string;
  uri: string;
  contributors: { account: string; share: string }[];
  /** Current holder of each slot, after `ContributorSlotMoved`. */
  holders: string[];
  parents: string[];
  upstreamBps: number;
  minUpstreamBps: number;
  blockNumber: number;
  txHash: string;
  retractedReason?: string;
}

export interface StreamState {
  funder: string;
  received: string;
  start: string;
  end: string;
  cancelable: boolean;
  cancelled?: { released: string; refunded: string };
}

export interface PoolState {
  poolId: string;
  token: string;
  curator: string;
  creator: string;
  curationDelay: string;
  blockNumber: number;
  /** Current weight of every artifact ever admitted ("0" once removed), in order of first admission. */
  weights: Record<string, string>;
  /** Received by instant funds and streams (before cancellations' refunds). */
  received: string;
  refunded: string;
  claimed: string;
  fundings: number;
  streams: Record<string, StreamState>;
  /** Scaled amount that flowed into each artifact from its children (`UpstreamFlowed`). */
  inflowScaled: Record<string, string>;
  /** Scaled amount that flowed along each lineage edge, keyed `<child>:<parent>`, in order of first flow. */
  flowsScaled: Record<string, string>;
  /** Announced curation changes neither executed nor cancelled yet, oldest first. */
  pendingChanges: string[];
  /** Claimed so far per `<artifact>:<slot>` (the contract's `claimed` view, from `RewardsClaimed`). */
  claimedBySlot: Record<string, string>;
}

export interface HistoryState {
  /** By digest (lower case), in registration order: parents before children. */
  artifacts: Record<string, ArtifactState>;
  /** By pool id, in creation order. */
  pools: Record<string, PoolState>;
}

export function emptyState(): HistoryState {
  return { artifacts: {}, pools: {} };
}

export function cloneState(state: HistoryState): HistoryState {
  return structuredClone(state);
}

/** Registry events the index reads. */
export const REGISTRY_EVENTS = [
  "ArtifactRegistered",
  "URIUpdated",
  "ContributorSlotMoved",
  "ArtifactRetracted",
] as const;

/** Pools events the index reads. */
export const POOLS_EVENTS = [
  "PoolCreated",
  "CuratorTransferred",
  "ArtifactAdmitted",
  "WeightChanged",
  "ArtifactRemoved",
  "CurationAnnounced",
  "CurationExecuted",
  "CurationCancelled",
  "PoolFunded",
  "StreamCreated",
  "StreamCancelled",
  "UpstreamFlowed",
  "RewardsClaimed",
] as const;

/** topic0 of every event the index reads, for one `eth_getLogs` filter over both contracts. */
export function indexTopics(registry: Interface, pools: Interface): string[] {
  return [
    ...REGISTRY_EVENTS.map((name) => registry.getEvent(name)!.topicHash),
    ...POOLS_EVENTS.map((name) => pools.getEvent(name)!.topicHash),
  ];
}

const add = (a: string | undefined, b: unknown): string =>
  ((a === undefined ? 0n : BigInt(a)) + BigInt(b as bigint)).toString();

/** Folds `log` into `state`. Logs of other contracts, or events the index does not read, are ignored. */
export function applyLog(
  state: HistoryState,
  log: Log,
  contracts: { registry: string; pools: string; registryInterface: Interface; poolsInterface: Interface },
): void {
  const address = log.address.toLowerCase();
  if (address === contracts.registry.toLowerCase()) applyRegistryLog(state, log, contracts.registryInterface);
  else if (address === contracts.pools.toLowerCase()) applyPoolsLog(state, log, contracts.poolsInterface);
}

function applyRegistryLog(state: HistoryState, log: Log, iface: Interface): void {
  const parsed = iface.parseLog(log);
  if (parsed) applyEvent(state, "registry", parsed.name, parsed.args, log.blockNumber, log.transactionHash);
}

function applyPoolsLog(state: HistoryState, log: Log, iface: Interface): void {
  const parsed = iface.parseLog(log);
  if (parsed) applyEvent(state, "pools", parsed.name, parsed.args, log.blockNumber, log.transactionHash);
}

/**
 * Folds one decoded event into `state`: `args` by name, as ethers' `Result` or as plain JSON with amounts as
 * decimal strings (what an index keeps). Events the history does not read are ignored.
 */
export function applyEvent(
  state: HistoryState,
  source: "registry" | "pools",
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>,
  blockNumber: number,
  txHash: string,
): void {
  // An index may keep more events than the history reads (NoncesInvalidated has no poolId, for one).
  if (source === "registry") {
    if ((REGISTRY_EVENTS as readonly string[]).includes(name))
      applyRegistryEvent(state, name, args, blockNumber, txHash);
  } else if ((POOLS_EVENTS as readonly string[]).includes(name))
    applyPoolsEvent(state, name, args, blockNumber);
}

function applyRegistryEvent(
  state: HistoryState,
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  a: Record<string, any>,
  blockNumber: number,
  txHash: string,
): void {
  const digest = String(a.digest).toLowerCase();
  const record = state.artifacts[digest];
  switch (name) {
    case "ArtifactRegistered": {
      const contributors = (a.contributors as { account: string; share: bigint }[]).map((c) => ({
        account: c.account,
        share: BigInt(c.share).toString(),
      }));
      state.artifacts[digest] = {
        digest,
        registrant: a.owner,
        kind: Number(a.kind),
        scheme: Number(a.scheme),
        commitment: a.commitment,
        uri: a.uri,
        contributors,
        holders: contributors.map((c) => c.account),
        parents: (a.parents as string[]).map((p) => p.toLowerCase()),
        upstreamBps: Number(a.upstreamBps),
        minUpstreamBps: Number(a.minUpstreamBps),
        blockNumber,
        txHash,
      };
      return;
    }
    case "URIUpdated":
      if (record) record.uri = a.uri;
      return;
    case "ContributorSlotMoved":
      if (record) record.holders[Number(a.slot)] = a.to;
      return;
    case "ArtifactRetracted":
      if (record) record.retractedReason = a.reason;
      return;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function applyPoolsEvent(
  state: HistoryState,
  name: string,
  a: Record<string, any>,
  blockNumber: number,
): void {
  const poolId = BigInt(a.poolId).toString();
  if (name === "PoolCreated") {
    state.pools[poolId] = {
      poolId,
      token: a.token,
      curator: a.curator,
      creator: a.creator,
      curationDelay: BigInt(a.curationDelay).toString(),
      blockNumber,
      weights: {},
      received: "0",
      refunded: "0",
      claimed: "0",
      fundings: 0,
      streams: {},
      inflowScaled: {},
      flowsScaled: {},
      pendingChanges: [],
      claimedBySlot: {},
    };
    return;
  }
  const pool = state.pools[poolId];
  if (!pool) return;
  switch (name) {
    case "CuratorTransferred":
      pool.curator = a.curator;
      return;
    case "ArtifactAdmitted":
      pool.weights[String(a.artifact).toLowerCase()] = BigInt(a.weight).toString();
      return;
    case "WeightChanged":
      pool.weights[String(a.artifact).toLowerCase()] = BigInt(a.newWeight).toString();
      return;
    case "ArtifactRemoved":
      pool.weights[String(a.artifact).toLowerCase()] = "0";
      return;
    case "CurationAnnounced":
      pool.pendingChanges.push(BigInt(a.changeId).toString());
      return;
    case "CurationExecuted":
    case "CurationCancelled": {
      const changeId = BigInt(a.changeId).toString();
      pool.pendingChanges = pool.pendingChanges.filter((id) => id !== changeId);
      return;
    }
    case "PoolFunded":
      pool.received = add(pool.received, a.received);
      pool.fundings++;
      return;
    case "StreamCreated": {
      pool.received = add(pool.received, a.received);
      pool.fundings++;
      const known = pool.streams[a.streamId];
      // Same-schedule streams of one funder share an id and add up, as on-chain.
      if (known) known.received = add(known.received, a.received);
      else
        pool.streams[a.streamId] = {
          funder: a.funder,
          received: BigInt(a.received).toString(),
          start: BigInt(a.start).toString(),
          end: BigInt(a.end).toString(),
          cancelable: Boolean(a.cancelable),
        };
      return;
    }
    case "StreamCancelled": {
      pool.refunded = add(pool.refunded, a.refunded);
      const stream = pool.streams[a.streamId];
      if (stream)
        stream.cancelled = {
          released: BigInt(a.released).toString(),
          refunded: BigInt(a.refunded).toString(),
        };
      return;
    }
    case "UpstreamFlowed": {
      const parent = String(a.parent).toLowerCase();
      pool.inflowScaled[parent] = add(pool.inflowScaled[parent], a.scaledAmount);
      const edge = `${String(a.child).toLowerCase()}:${parent}`;
      pool.flowsScaled[edge] = add(pool.flowsScaled[edge], a.scaledAmount);
      return;
    }
    case "RewardsClaimed": {
      pool.claimed = add(pool.claimed, a.amount);
      const key = `${String(a.artifact).toLowerCase()}:${Number(a.slot)}`;
      pool.claimedBySlot[key] = add(pool.claimedBySlot[key], a.amount);
      return;
    }
  }
}
