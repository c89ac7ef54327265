import type { BigNumberish, ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

import type { RewardPools } from "../../typechain-types";

/** `IRewardPools.CurationAction`, in declaration order. */
export const Action = { Admit: 0n, SetWeight: 1n, Remove: 2n } as const;

/** A `CurationOp` as views and events return it: `[artifact, weight, action]`. */
export type OpTuple = [string, bigint, bigint];

/** The `CurationOp` tuple of one step, as `pendingChange` and `CurationAnnounced` return it. */
export function op(artifact: string, weight: BigNumberish, action: bigint): OpTuple {
  return [artifact, BigInt(weight), action];
}

/** `pendingChange(poolId, changeId)` as plain values: `[executeAfter, ops]`. */
export async function pendingChangeOf(
  pools: RewardPools,
  poolId: BigNumberish,
  changeId: BigNumberish,
): Promise<[bigint, OpTuple[]]> {
  const [executeAfter, ops] = await pools.pendingChange(poolId, changeId);
  return [executeAfter, ops.map((o) => [o.artifact, o.weight, o.action] as OpTuple)];
}

/** Every event RewardPools emitted in a mined transaction, in log order, as `[name, ...args]`. */
export async function poolEventsOf(
  pools: RewardPools,
  tx: ContractTransactionResponse | Promise<ContractTransactionResponse>,
): Promise<unknown[][]> {
  const receipt = (await (await tx).wait()) as ContractTransactionReceipt;
  const address = await pools.getAddress();
  return receipt.logs
    .filter((log) => log.address === address)
    .map((log) => pools.interface.parseLog(log)!)
    .map((parsed) => [parsed.name, ...deepArray(parsed.args.toArray())]);
}

/** Nested ethers `Result`s as plain arrays, for `deep.equal`. */
function deepArray(values: unknown[]): unknown[] {
  return values.map((value) => (Array.isArray(value) ? deepArray(Array.from(value as unknown[])) : value));
}

/** The events named `name` of `events` (from `poolEventsOf`), without the name. */
export function named(events: unknown[][], name: string): unknown[][] {
  return events.filter((event) => event[0] === name).map((event) => event.slice(1));
}
