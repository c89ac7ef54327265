import { join } from "node:path";

import { JsonRpcProvider, type Provider } from "ethers";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";

import { syncHistory } from "../../src/history";
import { FileHistoryStore } from "../../src/history/fileStore";
import type { HistoryView } from "../../src/history/view";
import { IndexClient, IndexUnavailable, historyFromIndex } from "../../src/indexClient";
import type { Contracts } from "../lib/contracts";
import { type CommonArgs, type Ctx, contractsFor } from "./common";

/**
 * The one way commands read events: the SDK's history index, synced incrementally and cached in
 * `.kc/cache/` (or env KC_CACHE_DIR). No tasks here.
 */

/**
 * The provider reads go through: on an HTTP network an ethers `JsonRpcProvider` of its own, which sends the
 * requests issued together as one JSON-RPC batch; on the in-process network, Hardhat's.
 */
function readProvider(hre: HardhatRuntimeEnvironment, chainId: bigint): Provider {
  const url = (hre.network.config as { url?: string }).url;
  if (!url) return hre.ethers.provider;
  return new JsonRpcProvider(url, chainId, { staticNetwork: true });
}

/** `--index <url>` of the account reads, else env KC_INDEX_URL; none reads the chain's logs. */
export interface IndexArgs {
  index?: string;
}

/** Blocks the index may trail the chain's head before a read falls back to the logs (env KC_INDEX_MAX_LAG). */
const INDEX_MAX_LAG = 10;

export function withIndexParam(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return t.addOptionalParam(
    "index",
    "Read the history from this index (npm run index), e.g. http://127.0.0.1:42069 (default: env KC_INDEX_URL)",
  );
}

function indexUrlOf(args: IndexArgs): string | undefined {
  return args.index?.trim() || process.env.KC_INDEX_URL?.trim() || undefined;
}

/**
 * The history from the index, when one is given: views are then read at its block. Unreachable, or more than
 * KC_INDEX_MAX_LAG (10) blocks behind the chain: one note on stderr, and the logs are read as without it.
 */
async function historyFromIndexOrNote(
  url: string,
  provider: Provider,
  status: Ctx["status"],
): Promise<HistoryView | undefined> {
  const maxLag = Number(process.env.KC_INDEX_MAX_LAG?.trim() || INDEX_MAX_LAG);
  try {
    const head = await provider.getBlockNumber();
    return (await historyFromIndex(new IndexClient(url), head, maxLag)).view;
  } catch (e) {
    if (!(e instanceof IndexUnavailable)) throw e;
    status(`note: ${e.message}; reading the chain's logs instead`);
    return undefined;
  }
}

/**
 * The history (from the index with `--index`/KC_INDEX_URL where the command takes it, else synced from the
 * logs) and the contracts bound to the reading provider.
 */
export async function readHistory(
  args: CommonArgs & IndexArgs,
  { hre, status }: Pick<Ctx, "hre" | "status">,
  found?: Contracts,
  /** Whether the command takes `--index` (and so KC_INDEX_URL): the account reads do, writes do not. */
  indexed = false,
) {
  const { chainId, registry, pools, fromBlock } = found ?? (await contractsFor(args, hre, false));
  const provider = readProvider(hre, chainId);
  const reader = { registry: registry.connect(provider), pools: pools.connect(provider) };
  const url = indexed ? indexUrlOf(args) : undefined;
  const fromIndex = url === undefined ? undefined : await historyFromIndexOrNote(url, provider, status);
  if (fromIndex) return { ...reader, provider, view: fromIndex, stats: undefined, chainId };
  // The in-process network starts empty for every command: nothing worth caching.
  const store =
    hre.network.name === "hardhat"
      ? undefined
      : new FileHistoryStore(process.env.KC_CACHE_DIR?.trim() || join(hre.config.paths.root, ".kc", "cache"));
  const { view, stats } = await syncHistory({
    provider,
    chainId,
    ...reader,
    fromBlock,
    store,
    onProgress: status,
  });
  return { ...reader, provider, view, stats, chainId };
}
