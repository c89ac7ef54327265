import type { RewardPools } from "../typechain-types";
import { KcError } from "./errors";

export type PoolState = Awaited<ReturnType<RewardPools["pool"]>>;

/** The state of `poolId`, or a clear error naming the ids that do exist. */
export async function requirePool(pools: RewardPools, poolId: bigint): Promise<PoolState> {
  const count = await pools.poolCount();
  if (poolId < 1n || poolId > count) {
    const known =
      count === 0n
        ? "no pools exist yet"
        : count === 1n
          ? "only pool #1 exists"
          : `pools are #1 to #${count}`;
    throw new KcError(`no pool #${poolId} (${known})`);
  }
  return pools.pool(poolId);
}

/** Curation calls revert for anyone but the curator; say so before sending. */
export function requireCurator(state: PoolState, poolId: bigint, account: string): void {
  if (state.curator !== account) {
    throw new KcError(
      `only the curator of pool #${poolId} (${state.curator}) may do this, not ${account}; use --from`,
    );
  }
}
