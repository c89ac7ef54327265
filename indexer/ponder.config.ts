/**
 * The index (issue 13): Ponder, fed by the events of KnowledgeRegistry, RewardPools and (optional) ScoredPrograms.
 *
 * Settings come from the repository's `.env` (or the environment), the same ones the CLI reads:
 *   RPC_URL          JSON-RPC endpoint (default http://127.0.0.1:8545, a local `npx hardhat node`)
 *   CHAIN_ID         chain id of that endpoint (default 31337)
 *   KC_REGISTRY, KC_POOLS   contract addresses; otherwise the Ignition deployment record
 *                    ignition/deployments/<KC_DEPLOYMENT_ID or chain-CHAIN_ID>/deployed_addresses.json
 *   KC_PROGRAMS      ScoredPrograms address; optional (without it the index has no programs). When KC_REGISTRY
 *                    is not set either, the deployment record's programs address is used
 *   KC_EPOCHS_DIR    folder the API reads epoch files from first (see src/epochFiles.ts), e.g. ./epochs
 *   KC_START_BLOCK   first block to scan (default: the deployment's first block, else 0)
 *   DATABASE_URL     Postgres; without it Ponder's embedded PGlite in indexer/.ponder/
 */
import { join } from "node:path";

import { createConfig } from "ponder";

import { KnowledgeRegistry__factory } from "../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { RewardPools__factory } from "../typechain-types/factories/contracts/RewardPools__factory";
import { ScoredPrograms__factory } from "../typechain-types/factories/contracts/ScoredPrograms__factory";
import { ROOT, chainId, env, pools, programs, registry, rpc, startBlock } from "./settings";

if (!registry || !pools) {
  throw new Error(
    `no contract addresses for chain ${chainId}: set KC_REGISTRY and KC_POOLS, or deploy first (npx hardhat kc deploy)`,
  );
}

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
    ...(programs
      ? {
          ScoredPrograms: {
            chain: "chain" as const,
            abi: ScoredPrograms__factory.abi,
            address: programs as `0x${string}`,
            startBlock,
          },
        }
      : {}),
  },
});
