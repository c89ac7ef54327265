import type { Interface } from "ethers";

import { AdaptiveRange, type LogSource, type RangeOptions, getLogsAdaptive } from "./logs";
import { type HistoryState, applyLog, cloneState, emptyState, indexTopics } from "./state";
import type { HistoryStore } from "./store";
import { HistoryView } from "./view";

/**
 * The history index, read incrementally. A sync reads only the blocks after the cached part, in windows
 * that adapt to the provider (see `getLogsAdaptive`), with one `eth_getLogs` filter for both contracts.
 *
 * Reorgs: the cache holds the state up to `head - reorgMargin` ("stable") and the hash of that block. The
 * last `reorgMargin` blocks are read again on every sync and never cached, so a reorg within the margin is
 * simply re-read; one deeper than the margin changes the cached block's hash, and the cache is dropped and
 * rebuilt.
 */

/** A contract as the index needs it: an address and an ABI (a typechain contract has both). */
export interface IndexedContract {
  interface: Interface;
  getAddress(): Promise<string>;
}

export interface SyncOptions {
  provider: LogSource;
  chainId: bigint;
  registry: IndexedContract;
  pools: IndexedContract;
  /** First block worth reading (the deployment's; 0 when unknown). */
  fromBlock?: number;
  /** Read up to this block (default: the latest). */
  toBlock?: number;
  /** Where the index is cached; none reads everything every time. */
  store?: HistoryStore;
  /** Blocks behind the head that are re-read every sync and never cached (default 64). */
  reorgMargin?: number;
  /** Window sizes for `eth_getLogs`; pass the same object across syncs to keep what the provider accepted. */
  range?: AdaptiveRange | RangeOptions;
  onProgress?(message: string): void;
}

export interface SyncStats {
  fromBlock: number;
  head: number;
  /** Blocks read in this sync (stable part and margin). */
  blocksRead: number;
  logs: number;
  windows: number;
  refusals: number;
  /** "cold" (nothing cached), "resumed", or "rebuilt: <why>". */
  start: string;
}

export interface History {
  view: HistoryView;
  stats: SyncStats;
}

const VERSION = 3;

interface Snapshot {
  version: number;
  chainId: string;
  registry: string;
  pools: string;
  fromBlock: number;
  stableTo: number;
  stableHash: string;
  rangeSize: number;
  state: HistoryState;
}

/** The cache key of an index: chain and both contracts. */
export function historyKey(chainId: bigint, registry: string, pools: string): string {
  return `${chainId}-${registry.toLowerCase()}-${pools.toLowerCase()}`;
}

export async function syncHistory(options: SyncOptions): Promise<History> {
  const { provider, store } = options;
  const fromBlock = options.fromBlock ?? 0;
  const margin = options.reorgMargin ?? 64;
  const [registry, pools] = await Promise.all([options.registry.getAddress(), options.pools.getAddress()]);
  const key = historyKey(options.chainId, registry, pools);

  let snapshot = await loadSnapshot(store, key);
  let start = "cold";
  if (snapshot) {
    const problem =
      snapshot.version !== VERSION
        ? "format changed"
        : snapshot.chainId !== options.chainId.toString() ||
            snapshot.registry !== registry.toLowerCase() ||
            snapshot.pools !== pools.toLowerCase()
          ? "other contracts"
          : snapshot.fromBlock > fromBlock
            ? `asked from block ${fromBlock}, cache starts at ${snapshot.fromBlock}`
            : undefined;
    if (problem) {
      snapshot = undefined;
      start = `rebuilt: ${problem}`;
    }
  }
  const range =
    options.range instanceof AdaptiveRange
      ? options.range
      : new AdaptiveRange({ initial: snapshot?.rangeSize, ...options.range });

  // The head and the cached block's hash in one round trip (a batching provider sends them together).
  const [head, cachedBlock] = await Promise.all([
    options.toBlock ?? provider.getBlockNumber(),
    snapshot ? provider.getBlock(snapshot.stableTo) : undefined,
  ]);
  if (snapshot && (!cachedBlock || cachedBlock.hash !== snapshot.stableHash)) {
    snapshot = undefined;
    start = "rebuilt: the chain reorganised past the cached block";
  } else if (snapshot && snapshot.stableTo > head) {
    snapshot = undefined;
    start = "rebuilt: the chain is shorter than the cache";
  } else if (snapshot) start = "resumed";

  const state = snapshot?.state ?? emptyState();
  const base = snapshot ? snapshot.stableTo + 1 : fromBlock;
  const stableTo = Math.max(head - margin, base - 1);
  const contracts = {
    registry,
    pools,
    registryInterface: options.registry.interface,
    poolsInterface: options.pools.interface,
  };
  const filter = {
    address: [registry, pools],
    topics: [indexTopics(options.registry.interface, options.pools.interface)],
  };
  let windows = 0;
  const refusalsBefore = range.refusals;
  const [logs, stableBlock] = await Promise.all([
    base > head
      ? []
      : getLogsAdaptive(provider, filter, base, head, range, (from, to, n) => {
          windows++;
          if (head - base > 100_000) options.onProgress?.(`history: blocks ${from}..${to} (${n} logs)`);
        }),
    stableTo >= base ? provider.getBlock(stableTo) : undefined,
  ]);

  let i = 0;
  for (; i < logs.length && logs[i].blockNumber <= stableTo; i++) applyLog(state, logs[i], contracts);
  if (stableBlock?.hash) {
    const next: Snapshot = {
      version: VERSION,
      chainId: options.chainId.toString(),
      registry: registry.toLowerCase(),
      pools: pools.toLowerCase(),
      fromBlock: snapshot?.fromBlock ?? fromBlock,
      stableTo,
      stableHash: stableBlock.hash,
      rangeSize: range.size,
      state,
    };
    await store?.write(key, JSON.stringify(next));
  }
  const tail = logs.slice(i);
  const current = tail.length === 0 ? state : cloneState(state);
  for (const log of tail) applyLog(current, log, contracts);

  return {
    view: new HistoryView(current, head),
    stats: {
      fromBlock: snapshot?.fromBlock ?? fromBlock,
      head,
      blocksRead: Math.max(head - base + 1, 0),
      logs: logs.length,
      windows,
      refusals: range.refusals - refusalsBefore,
      start,
    },
  };
}

async function loadSnapshot(store: HistoryStore | undefined, key: string): Promise<Snapshot | undefined> {
  const text = await store?.read(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Snapshot;
  } catch {
    return undefined;
  }
}
