/**
 * The index's settings, shared by the config, the handlers and the API so all three agree (notably on whether
 * ScoredPrograms is indexed: Ponder refuses handlers of a contract its config does not have).
 * From the repository's `.env` (or the environment), the same names the CLI reads; see ponder.config.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { config as loadEnv } from "dotenv";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
loadEnv({ path: join(ROOT, ".env"), quiet: true } as Parameters<typeof loadEnv>[0]);

export const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;
export const rpc = env("RPC_URL") ?? "http://127.0.0.1:8545";
export const chainId = Number(env("CHAIN_ID") ?? 31337);

function deployment(): { registry?: string; pools?: string; programs?: string; fromBlock: number } {
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
    programs: addresses["ScoredPrograms#ScoredPrograms"],
    fromBlock: fromBlock === Number.MAX_SAFE_INTEGER ? 0 : fromBlock,
  };
}

export const recorded = deployment();
export const registry = env("KC_REGISTRY") ?? recorded.registry;
export const pools = env("KC_POOLS") ?? recorded.pools;
/**
 * ScoredPrograms is optional: KC_PROGRAMS, else the deployment record's, but only when the registry comes from
 * that record too (an explicit KC_REGISTRY with no KC_PROGRAMS means: no programs).
 */
export const programs = env("KC_PROGRAMS") ?? (env("KC_REGISTRY") ? undefined : recorded.programs);
/** Where the API looks first for epoch files (`<dir>/chain-<id>/program-<n>/epoch-<E>/`, as `kc epoch-build` writes). */
export const epochsDir = env("KC_EPOCHS_DIR");
export const startBlock = Number(env("KC_START_BLOCK") ?? recorded.fromBlock);
