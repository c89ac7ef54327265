/**
 * The index (issue 13): Ponder, fed by the events of KnowledgeRegistry and RewardPools.
 *
 * Settings come from the repository's `.env` (or the environment), the same ones the CLI reads:
 *   RPC_URL          JSON-RPC endpoint (default http://127.0.0.1:8545, a local `npx hardhat node`)
 *   CHAIN_ID         chain id of that endpoint (default 31337)
 *   KC_REGISTRY, KC_POOLS   contract addresses; otherwise the Ignition deployment record
 *                    ignition/deployments/<KC_DEPLOYMENT_ID or chain-CHAIN_ID>/deployed_addresses.json
 *   KC_START_BLOCK   first block to scan (default: the deployment's first block, else 0)
 *   DATABASE_URL     Postgres; without it Ponder's embedded PGlite in indexer/.ponder/
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { config as loadEnv } from "dotenv";
import { createConfig } from "ponder";

import { KnowledgeRegistry__factory } from "../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { RewardPools__factory } from "../typechain-types/factories/contracts/RewardPools__factory";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
loadEnv({ path: join(ROOT, ".env"), quiet: true } as Parameters<typeof loadEnv>[0]);

const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;
const rpc = env("RPC_URL") ?? "http://127.0.0.1:8545";
const chainId = Number(env("CHAIN_ID") ?? 31337);

function deployment(): { registry?: string; pools?: string; fromBlock: number } {
  const dir = join(ROOT, "ignition", "deployments", env("KC_DEPLOYMENT_ID") ?? `chain-${chainId}`);
  const file = join(dir, "deployed_addresses.json");
  if (!existsSync(file)) return { fromBlock: 0 };
  const addresses = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  let fromBlock = Number.MAX_SAFE_INTEGER;
  const journal = join(dir, "journal.jsonl");
  if (existsSync(journal)) {
    for (const m of readFileSync(journal, "utf8").matchAll(/"blockNumber":(\d+)/g))
      fromBlock = Math.min(fromBlock, Number(m[1]));
  }
  return {
    registry: addresses["KnowledgeRegistry#KnowledgeRegistry"],
    pools: addresses["RewardPools#RewardPools"],
    fromBlock: fromBlock === Number.MAX_SAFE_INTEGER ? 0 : fromBlock,
  };
}

const recorded = deployment();
const registry = env("KC_REGISTRY") ?? recorded.registry;
const pools = env("KC_POOLS") ?? recorded.pools;
if (!registry || !pools) {
  throw new Error(
    `no contract addresses for chain ${chainId}: set KC_REGISTRY and KC_POOLS, or deploy first (npx hardhat kc deploy)`,
  );
}
const startBlock = Number(env("KC_START_BLOCK") ?? recorded.fromBlock);

export default createConfig({
  database: env("DATABASE_URL")
    ? { kind: "postgres", connectionString: env("DATABASE_URL") }
    : {
        kind: "pglite",
        directory: env("KC_INDEX_DIR") ?? join(ROOT, "indexer", ".ponder", `pglite-${chainId}`),
      },
  chains: {
    chain: {
      id: chainId,
      rpc,
      pollingInterval: Number(env("KC_POLLING_MS") ?? (chainId === 31337 ? 250 : 1_000)),
    },
  },
  contracts: {
    KnowledgeRegistry: {
      chain: "chain",
      abi: KnowledgeRegistry__factory.abi,
      address: registry as `0x${string}`,
      startBlock,
    },
    RewardPools: {
      chain: "chain",
      abi: RewardPools__factory.abi,
      address: pools as `0x${string}`,
      startBlock,
    },
  },
});
