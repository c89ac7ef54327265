import type { ContractTransactionReceipt, Signer } from "ethers";

import type { KnowledgeRegistry, RewardPools } from "../typechain-types";
import { findRevertData } from "./decodeError";
import { KcError } from "./errors";
import type { RegistryIndex } from "./events";

/**
 * Claiming. Upstream rewards move one lineage step each time a child artifact is settled, and
 * `settle(poolId, digests)` is permissionless; so before claiming, the CLI settles the descendants of
 * the claimant's artifacts (latest registered first, so a grandchild's flow passes through the child
 * in the same transaction). Otherwise parents' contributors would wait for someone else to touch
 * their children.
 */

export interface ClaimTarget {
  artifact: string;
  slot: bigint;
}

/**
 * The descendants of `digests` worth settling in `poolId`: those with unsettled upstream flow, plus
 * every descendant between them and `digests` that the flow must pass through. Latest first.
 */
export async function settleList(
  pools: RewardPools,
  poolId: bigint,
  index: RegistryIndex,
  digests: string[],
): Promise<string[]> {
  const descendants = index.descendants(digests);
  if (descendants.length === 0) return [];
  const { index: poolIndex } = await pools.pool(poolId);
  const members = await Promise.all(descendants.map((d) => pools.member(poolId, d)));
  const needing = descendants.filter((_, i) => {
    const m = members[i];
    const unsettled = m.weight > 0n && m.upstreamBps > 0n && poolIndex > m.checkpoint;
    return m.pendingUpstreamScaled > 0n || unsettled;
  });
  const inSet = new Set(descendants);
  const targets = new Set(digests.map((d) => d.toLowerCase()));
  const keep = new Set<string>();
  for (const start of needing) {
    const pending = [start];
    for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
      if (keep.has(d)) continue;
      keep.add(d);
      for (const parent of index.artifacts.get(d)?.parents ?? []) {
        if (inSet.has(parent) && !targets.has(parent)) pending.push(parent);
      }
    }
  }
  return descendants.filter((d) => keep.has(d));
}

/**
 * Settles `digests` (one lineage step each; in `settleList` order that carries a grandchild's flow through
 * its child in the same transaction), simulated first; undefined when there is nothing to settle.
 */
export async function settle(
  pools: RewardPools,
  signer: Signer,
  poolId: bigint,
  digests: string[],
): Promise<ContractTransactionReceipt | undefined> {
  if (digests.length === 0) return undefined;
  const bound = pools.connect(signer);
  await bound.settle.staticCall(poolId, digests, 1);
  return (await (await bound.settle(poolId, digests, 1)).wait()) ?? undefined;
}

/** The slot `account` holds in each of `artifacts`; a clear error for one it holds none of. */
export async function claimTargets(
  registry: KnowledgeRegistry,
  artifacts: string[],
  account: string,
): Promise<ClaimTarget[]> {
  const targets: ClaimTarget[] = [];
  for (const artifact of artifacts) {
    const { found, slot } = await registry.slotOf(artifact, account);
    if (!found) throw new KcError(`${account} holds no contributor slot in artifact ${artifact}`);
    targets.push({ artifact, slot });
  }
  return targets;
}

export interface PoolClaim {
  poolId: bigint;
  /** Descendants to settle first, so upstream flow reaches the claimant's artifacts. */
  settle: string[];
  targets: ClaimTarget[];
}

export interface ClaimResult {
  total: bigint;
  perArtifact: { poolId: bigint; artifact: string; slot: bigint; amount: bigint }[];
  receipt: ContractTransactionReceipt;
}

/**
 * Claims every pool of `plan` in one transaction (`multicall`: settlements first, then one claim per
 * pool), simulated before it is sent. A pool whose claim would pay nothing is dropped from the batch;
 * undefined when nothing is left.
 */
export async function claimAcrossPools(
  pools: RewardPools,
  signer: Signer,
  plan: PoolClaim[],
  recipient: string,
): Promise<ClaimResult | undefined> {
  const bound = pools.connect(signer);
  const encode = (entries: PoolClaim[]) => [
    ...entries
      .filter((e) => e.settle.length > 0)
      .map((e) => pools.interface.encodeFunctionData("settle", [e.poolId, e.settle, 1])),
    ...entries.map((e) => pools.interface.encodeFunctionData("claim", [e.poolId, e.targets, recipient])),
  ];
  let entries = plan.filter((e) => e.targets.length > 0);
  for (;;) {
    if (entries.length === 0) return undefined;
    try {
      await bound.multicall.staticCall(encode(entries));
      break;
    } catch (err) {
      const data = findRevertData(err);
      const parsed = data === undefined ? null : pools.interface.parseError(data);
      if (parsed?.name !== "NothingToClaim") throw err;
      const empty = parsed.args.poolId as bigint;
      entries = entries.filter((e) => e.poolId !== empty);
    }
  }
  const receipt = (await (await bound.multicall(encode(entries))).wait())!;
  const perArtifact = [];
  for (const log of receipt.logs) {
    const parsed = pools.interface.parseLog(log);
    if (parsed?.name === "RewardsClaimed") {
      perArtifact.push({
        poolId: parsed.args.poolId as bigint,
        artifact: (parsed.args.artifact as string).toLowerCase(),
        slot: parsed.args.slot as bigint,
        amount: parsed.args.amount as bigint,
      });
    }
  }
  return { total: perArtifact.reduce((s, p) => s + p.amount, 0n), perArtifact, receipt };
}
