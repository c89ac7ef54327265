import { join } from "node:path";

import { JsonRpcProvider, type Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { syncHistory } from "../../src/history";
import { FileHistoryStore } from "../../src/history/fileStore";
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

/** The synced history and the contracts bound to the reading provider. */
export async function readHistory(
  args: CommonArgs,
  { hre, status }: Pick<Ctx, "hre" | "status">,
  found?: Contracts,
) {
  const { chainId, registry, pools, fromBlock } = found ?? (await contractsFor(args, hre, false));
  const provider = readProvider(hre, chainId);
  const reader = { registry: registry.connect(provider), pools: pools.connect(provider) };
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
