import type { Signer } from "ethers";

import type { KnowledgeRegistry, RewardPools } from "../typechain-types";
import { KcError } from "./errors";
import type { RegistryIndex } from "./history/view";
import {
  type Plan,
  type PlanResult,
  type SendOptions,
  type SplitOptions,
  eventsNamed,
  isGasLimitError,
  planSplit,
  rangeLabel,
  sendPlan,
} from "./tx";

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
 * its child in the same transaction) through the one write path; undefined when there is nothing to settle.
 */
export async function settle(
  pools: RewardPools,
  signer: Signer,
  poolId: bigint,
  digests: string[],
  options: SendOptions = {},
): Promise<PlanResult | undefined> {
  if (digests.length === 0) return undefined;
  const to = await pools.getAddress();
  const plan = await planSplit(
    signer,
    digests,
    (chunk) => ({ to, data: pools.interface.encodeFunctionData("settle", [poolId, chunk, 1]) }),
    (chunk, from) => `settle pool #${poolId}, ${rangeLabel(from, chunk.length, digests.length, "artifacts")}`,
    `settling ${digests.length} artifacts`,
    options,
  );
  return sendPlan(plan, signer, options);
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
  /** The transactions (more than one when the claims did not fit one) and their events. */
  result: PlanResult;
}

interface ClaimItem {
  poolId: bigint;
  target: ClaimTarget;
  /** Descendants of this target (within the pool's settle list) that must be settled before it is claimed. */
  settle: string[];
}

/**
 * The plan that claims `entries` for `signer`, paid to `recipient`: one `multicall` per transaction, each
 * settling the descendants its targets need (so every transaction stands on its own and can be simulated
 * before any is sent) and then claiming per pool. Targets that have nothing to claim and no upstream on its
 * way are left out; work that does not fit one transaction is split ({@link planSplit}). Undefined when
 * nothing is left to claim. When one target's settlements alone do not fit a transaction (an artifact with
 * hundreds of derivatives with flow waiting), that pool's settlements come first as transactions of their own
 * (split as {@link settle} splits them) and its claims follow without them. Every step is simulated before any
 * is sent, so those claims show less than they pay when mined, and a pool whose targets pay nothing before the
 * settlements is only settled (a note says to claim again).
 */
export async function planClaims(
  pools: RewardPools,
  signer: Signer,
  entries: PoolClaim[],
  recipient: string,
  options: SplitOptions & { index?: RegistryIndex } = {},
): Promise<Plan | undefined> {
  const tooBig = (err: unknown) =>
    isGasLimitError(err) || (err instanceof KcError && /^one item needs/.test(err.message));
  try {
    return await planClaimsTogether(pools, signer, entries, recipient, options);
  } catch (err) {
    if (!tooBig(err)) throw err;
  }
  const together: PoolClaim[] = [];
  const settleFirst: PoolClaim[] = [];
  for (const entry of entries) {
    try {
      await planClaimsTogether(pools, signer, [entry], recipient, options);
      together.push(entry);
    } catch (err) {
      if (!tooBig(err)) throw err;
      settleFirst.push(entry);
      together.push(entry);
    }
  }
  const to = await pools.getAddress();
  const steps: Plan["steps"] = [];
  const notes: string[] = [];
  for (const { poolId, settle: digests } of settleFirst) {
    const settling = await planSplit(
      signer,
      digests,
      (chunk) => ({ to, data: pools.interface.encodeFunctionData("settle", [poolId, chunk, 1]) }),
      (chunk, from) =>
        `settle pool #${poolId}, ${rangeLabel(from, chunk.length, digests.length, "artifacts")}`,
      `settling ${digests.length} artifacts`,
      options,
    );
    steps.push(...settling.steps);
    notes.push(
      `pool #${poolId}: the settlements of ${digests.length} derivatives do not fit one transaction with the claims; they go first`,
      ...settling.notes,
    );
  }
  const settledBefore = new Set(settleFirst.map((e) => e.poolId));
  const claims = await planClaimsTogether(pools, signer, together, recipient, options, settledBefore);
  for (const { poolId, targets } of settleFirst) {
    const now = await Promise.all(targets.map((t) => pools.claimableBySlot(poolId, t.artifact, t.slot)));
    if (now.every((a) => a === 0n))
      notes.push(
        `pool #${poolId}: nothing is claimable before the settlements; claim again once they are mined`,
      );
  }
  steps.push(...(claims?.steps ?? []));
  notes.push(...(claims?.notes ?? []));
  return steps.length > 0 ? { steps, notes } : undefined;
}

/** {@link planClaims} with every target's settlements in its claim's transaction. */
async function planClaimsTogether(
  pools: RewardPools,
  signer: Signer,
  entries: PoolClaim[],
  recipient: string,
  options: SplitOptions & { index?: RegistryIndex } = {},
  settledBefore: Set<bigint> = new Set(),
): Promise<Plan | undefined> {
  const to = await pools.getAddress();
  const items: ClaimItem[] = [];
  for (const entry of entries) {
    if (entry.targets.length === 0) continue;
    const amounts = await Promise.all(
      entry.targets.map((t) => pools.claimableBySlot(entry.poolId, t.artifact, t.slot)),
    );
    // Settled by earlier transactions of the plan: every step is simulated before any is sent, so a claim
    // of this pool that pays only upstream still on its way would revert then; it rides along with one that
    // pays now, or waits for the next claim.
    const before = settledBefore.has(entry.poolId);
    const paysNow = amounts.some((a) => a > 0n);
    const inSettle = new Set(entry.settle);
    for (const [i, target] of entry.targets.entries()) {
      // With the registry index, each target settles only its own descendants; without it, the first
      // target of the pool carries the whole settle list.
      const own = options.index
        ? options.index.descendants([target.artifact]).filter((d) => inSettle.has(d))
        : i === 0
          ? entry.settle
          : [];
      const upstreamComing = options.index ? own.length > 0 : entry.settle.length > 0;
      if (amounts[i] === 0n && !(upstreamComing && (!before || paysNow))) continue;
      items.push({ poolId: entry.poolId, target, settle: before ? [] : own });
    }
  }
  if (items.length === 0) return undefined;
  const build = (chunk: ClaimItem[]) => {
    const calls: string[] = [];
    const poolIds = [...new Set(chunk.map((c) => c.poolId))];
    for (const poolId of poolIds) {
      const mine = chunk.filter((c) => c.poolId === poolId);
      const entrySettle = entries.find((e) => e.poolId === poolId)!.settle;
      const wanted = new Set(mine.flatMap((c) => c.settle));
      // Keep the pool's settle order (latest first) so a grandchild's flow passes through its child.
      const settleNow = entrySettle.filter((d) => wanted.has(d));
      if (settleNow.length > 0) {
        calls.push(pools.interface.encodeFunctionData("settle", [poolId, settleNow, 1]));
      }
      calls.push(pools.interface.encodeFunctionData("claim", [poolId, mine.map((c) => c.target), recipient]));
    }
    return { to, data: pools.interface.encodeFunctionData("multicall", [calls]) };
  };
  const label = (chunk: ClaimItem[], from: number) => {
    const poolIds = [...new Set(chunk.map((c) => c.poolId))].map((p) => `#${p}`).join(", ");
    return `claim from pool ${poolIds}, ${rangeLabel(from, chunk.length, items.length, "targets")}`;
  };
  return planSplit(
    signer,
    items,
    build,
    label,
    `claims of ${items.length} (pool, artifact) targets`,
    options,
  );
}

/**
 * Claims every pool of `entries` through the one write path ({@link planClaims}, then {@link sendPlan}):
 * simulated before anything is sent, split into several transactions when one cannot hold them.
 * Undefined when there is nothing to claim.
 */
export async function claimAcrossPools(
  pools: RewardPools,
  signer: Signer,
  entries: PoolClaim[],
  recipient: string,
  options: SendOptions & SplitOptions & { index?: RegistryIndex } = {},
): Promise<ClaimResult | undefined> {
  const plan = await planClaims(pools, signer, entries, recipient, options);
  if (!plan) return undefined;
  for (const note of plan.notes) options.status?.(note);
  const result = await sendPlan(plan, signer, options);
  const perArtifact = eventsNamed(result.events, "RewardsClaimed").map((e) => ({
    poolId: e.args.poolId as bigint,
    artifact: (e.args.artifact as string).toLowerCase(),
    slot: e.args.slot as bigint,
    amount: e.args.amount as bigint,
  }));
  return { total: perArtifact.reduce((s, p) => s + p.amount, 0n), perArtifact, result };
}
