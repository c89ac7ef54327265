/** The SDK's contracts for the browser: plain ethers Contracts over the SDK's ABIs (no bytecode, no hardhat). */
import { type ContractRunner, Contract } from "ethers";

import { knowledgeRegistryAbi, rewardPoolsAbi } from "../../src/abi";
import type { KnowledgeRegistry, RewardPools } from "../../typechain-types";
import { state } from "./core";

/** RewardPools of the config, read through `runner` (the index-independent RPC reader by default). */
export const poolsAt = (runner: ContractRunner = state.reader) =>
  new Contract(state.config.pools, rewardPoolsAbi, runner) as unknown as RewardPools;

/** KnowledgeRegistry of the config, read through `runner`. */
export const registryAt = (runner: ContractRunner = state.reader) =>
  new Contract(state.config.registry, knowledgeRegistryAbi, runner) as unknown as KnowledgeRegistry;

/** The token amount paid per token address, as `amount()` strings joined with " + ". */
export async function amounts(
  perToken: Map<string, bigint>,
  amount: (v: bigint, t: string) => Promise<string>,
): Promise<string> {
  const parts = await Promise.all([...perToken].map(([t, v]) => amount(v, t)));
  return parts.length ? parts.join(" + ") : "nothing";
}
