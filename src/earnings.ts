import type { ContractRunner, Result } from "ethers";

import type { RewardPools, ScoredPrograms } from "../typechain-types";
import { type TokenMeta, type ViewCall, multicallViews, simulateThenView, tokenMetas } from "./batch";
import type { HistoryView } from "./history/view";

/**
 * Account-centric reads: what an account can claim, where, and from what, across every pool (and what the
 * scored programs have posted), in a fixed number of round trips: one batch of views per pool (chunked
 * `multicall`s sent together) and, only when derivatives hold unsettled upstream flow, one simulation of the
 * settlement `kc claim` would send. Every view is read at the block the history was synced to.
 */

export interface ArtifactEarning {
  artifact: string;
  kind: number;
  slot: number;
  share: bigint;
  totalShares: bigint;
  /** Weight in the pool now (0: not or no longer a member; it may still receive upstream flow). */
  weight: bigint;
  /** What a claim pays now: the contract's `claimable(poolId, artifact, account)`. */
  claimable: bigint;
  /**
   * The part of `claimable` that came from derivatives (upstream flow), in proportion to what flowed in
   * versus what the artifact's own weight earned over its life; `direct` is the rest.
   */
  fromDerivatives: bigint;
  direct: bigint;
  /** More that settling the derivatives (which `kc claim` does first) adds to `claimable`. */
  waiting: bigint;
  /** Already claimed by this slot. */
  claimed: bigint;
}

export interface PoolEarning {
  poolId: bigint;
  token: TokenMeta;
  claimable: bigint;
  fromDerivatives: bigint;
  waiting: bigint;
  claimed: bigint;
  artifacts: ArtifactEarning[];
}

export interface ProgramEarning {
  programId: bigint;
  token: TokenMeta;
  activeEpoch: bigint;
  activeRoot: string;
  activeTotal: bigint;
  pendingRoot: string;
  /** What the account has claimed so far. Its claimable amount needs its leaf and proof from the allocation file. */
  claimed: bigint;
}

export interface Earnings {
  account: string;
  block: number;
  /** Pools where the account has or had something (claimable, waiting or claimed), by id. */
  pools: PoolEarning[];
  programs: ProgramEarning[];
  /** Pool artifacts looked at (the account's artifacts that are or feed a member). */
  checked: number;
}

export interface EarningsOptions {
  history: HistoryView;
  pools: RewardPools;
  account: string;
  /** Also report the scored programs of this contract. */
  programs?: ScoredPrograms;
  /** Runner for token metadata (default: the pools contract's). */
  runner?: ContractRunner;
  /** Views per `eth_call` (see `multicallViews`). */
  chunk?: number;
}

interface PoolPlan {
  poolId: bigint;
  mine: string[];
  /** Downstream artifacts (the account's own included) that may hold unsettled flow towards `mine`. */
  downstream: string[];
}

/** Everything `account` can claim, across every pool the history knows. */
export async function accountEarnings(options: EarningsOptions): Promise<Earnings> {
  const { history, pools, account } = options;
  const blockTag = history.block;
  const read = { blockTag, chunk: options.chunk };
  const mine = history.artifactsOf(account);

  const plans: PoolPlan[] = history.pools().map((p) => {
    const relevant = history.relevantIn(p.poolId, mine);
    const downstream = history.relevantIn(p.poolId, history.descendants(relevant));
    return { poolId: p.poolId, mine: relevant, downstream };
  });

  // Round 1: every pool's views, the programs' count and the tokens, all at once. Slots, weights and
  // claimed amounts come from the history; `member` only where the split or the settlement needs it.
  const slotOf = (digest: string) => history.slotOf(digest, account)!;
  const reads = plans.map((plan) => {
    const calls: ViewCall[] = [{ fn: "pool", args: [plan.poolId] }];
    const at = new Map<string, number>();
    const add = (key: string, call: ViewCall) => at.set(key, calls.push(call) - 1);
    for (const a of plan.mine) {
      add(`claimable:${a}`, { fn: "claimable", args: [plan.poolId, a, account] });
      if (history.inflowScaled(plan.poolId, a) > 0n)
        add(`member:${a}`, { fn: "member", args: [plan.poolId, a] });
    }
    for (const d of plan.downstream)
      if (!at.has(`member:${d}`)) add(`member:${d}`, { fn: "member", args: [plan.poolId, d] });
    return { calls, at };
  });
  const runner = options.runner ?? pools.runner!;
  const [round1, tokens, programCount] = await Promise.all([
    Promise.all(
      plans.map((plan, i) => (plan.mine.length === 0 ? [] : multicallViews(pools, reads[i].calls, read))),
    ),
    tokenMetas(
      history.pools().map((p) => p.token),
      runner,
    ),
    options.programs?.programCount({ blockTag }),
  ]);
  const value = (i: number, key: string): Result | undefined => {
    const k = reads[i].at.get(key);
    return k === undefined ? undefined : round1[i][k][0];
  };

  // Round 2: what settling the derivatives would add to the artifacts they feed, and the programs.
  const settleLists = plans.map((plan, i) =>
    plan.mine.length === 0
      ? []
      : settleOrder(history, plan, round1[i][0][0].index as bigint, (d) => value(i, `member:${d}`)!),
  );
  const fed = plans.map((plan, i) => fedBy(history, plan.mine, settleLists[i]));
  const [after, programs] = await Promise.all([
    Promise.all(
      plans.map((plan, i) =>
        fed[i].length === 0
          ? undefined
          : simulateThenView(
              pools,
              [{ fn: "settle", args: [plan.poolId, settleLists[i], 1] }],
              fed[i].map((a) => ({ fn: "claimable", args: [plan.poolId, a, account] })),
              read,
            ).then((r) => new Map(fed[i].map((a, k) => [a, r[k][0] as bigint]))),
      ),
    ),
    options.programs && programCount
      ? programEarnings(options.programs, programCount, account, blockTag, runner)
      : [],
  ]);

  const result: PoolEarning[] = [];
  plans.forEach((plan, i) => {
    if (plan.mine.length === 0) return;
    const poolIndex = round1[i][0][0].index as bigint;
    const artifacts: ArtifactEarning[] = plan.mine.map((artifact) => {
      const claimable = value(i, `claimable:${artifact}`) as unknown as bigint;
      const member = value(i, `member:${artifact}`);
      const record = history.artifacts.get(artifact)!;
      const slot = slotOf(artifact);
      const fromDerivatives = member
        ? derivativePart(member, poolIndex, history.inflowScaled(plan.poolId, artifact), claimable)
        : 0n;
      const later = after[i]?.get(artifact) ?? claimable;
      return {
        artifact,
        kind: record.kind,
        slot,
        share: record.contributors[slot].share,
        totalShares: record.contributors.reduce((s, c) => s + c.share, 0n),
        weight: history.weight(plan.poolId, artifact),
        claimable,
        fromDerivatives,
        direct: claimable - fromDerivatives,
        waiting: later > claimable ? later - claimable : 0n,
        claimed: history.claimed(plan.poolId, artifact, slot),
      };
    });
    const sum = (f: (a: ArtifactEarning) => bigint) => artifacts.reduce((s, a) => s + f(a), 0n);
    const entry: PoolEarning = {
      poolId: plan.poolId,
      token: tokens.get(history.pool(plan.poolId)!.token)!,
      claimable: sum((a) => a.claimable),
      fromDerivatives: sum((a) => a.fromDerivatives),
      waiting: sum((a) => a.waiting),
      claimed: sum((a) => a.claimed),
      artifacts,
    };
    if (entry.claimable > 0n || entry.waiting > 0n || entry.claimed > 0n) result.push(entry);
  });
  return {
    account,
    block: blockTag,
    pools: result,
    programs,
    checked: plans.reduce((s, p) => s + p.mine.length, 0),
  };
}

/**
 * The part of `claimable` that came from children: in proportion to the scaled inflow the artifact kept
 * (after passing its own upstream share on) against everything its contributors earned.
 */
function derivativePart(member: Result, poolIndex: bigint, inflowScaled: bigint, claimable: bigint): bigint {
  if (inflowScaled === 0n || claimable === 0n) return 0n;
  const bps = BigInt(member.upstreamBps);
  const unbooked = (member.weight as bigint) * (poolIndex - (member.checkpoint as bigint));
  const keptUnbooked = unbooked - (unbooked * bps) / 10_000n;
  const earned = (member.earnedScaled as bigint) + keptUnbooked;
  const keptInflow = inflowScaled - (inflowScaled * bps) / 10_000n;
  if (earned === 0n) return 0n;
  const part = (claimable * keptInflow) / earned;
  return part > claimable ? claimable : part;
}

/**
 * The downstream artifacts to settle, latest registered first (so one pass with `levels = 1` carries a
 * grandchild's flow through its child): those holding unsettled flow, and every artifact between them and
 * the account's. Empty when nothing waits.
 */
function settleOrder(
  history: HistoryView,
  plan: PoolPlan,
  poolIndex: bigint,
  member: (digest: string) => Result,
): string[] {
  if (plan.downstream.length === 0) return [];
  const needing = plan.downstream.filter((d) => {
    const m = member(d);
    const unsettled = m.weight > 0n && m.upstreamBps > 0n && poolIndex > m.checkpoint;
    return m.pendingUpstreamScaled > 0n || unsettled;
  });
  if (needing.length === 0) return [];
  const inSet = new Set(plan.downstream);
  const own = new Set(plan.mine);
  const keep = new Set<string>();
  const pending = [...needing];
  for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
    if (keep.has(d)) continue;
    keep.add(d);
    for (const parent of history.artifacts.get(d)?.parents ?? [])
      if (inSet.has(parent) && !own.has(parent)) pending.push(parent);
  }
  return history.descendants(plan.mine).filter((d) => keep.has(d));
}

/** Which of `mine` settling `settled` can pay more: their ancestors (the flow goes up one step per settle). */
function fedBy(history: HistoryView, mine: string[], settled: string[]): string[] {
  if (settled.length === 0) return [];
  const reached = new Set<string>();
  const pending = [...settled];
  for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
    for (const parent of history.artifacts.get(d)?.parents ?? []) {
      if (!reached.has(parent)) {
        reached.add(parent);
        pending.push(parent);
      }
    }
  }
  return mine.filter((a) => reached.has(a));
}

async function programEarnings(
  programs: ScoredPrograms,
  count: bigint,
  account: string,
  blockTag: number,
  runner: ContractRunner,
): Promise<ProgramEarning[]> {
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const views = await multicallViews(
    programs,
    ids.flatMap((id) => [
      { fn: "program", args: [id] },
      { fn: "claimed", args: [id, account] },
    ]),
    { blockTag },
  );
  const tokens = await tokenMetas(
    ids.map((_, i) => views[2 * i][0].token as string),
    runner,
  );
  return ids.map((programId, i) => {
    const p = views[2 * i][0];
    return {
      programId,
      token: tokens.get(p.token)!,
      activeEpoch: p.activeEpoch,
      activeRoot: p.activeRoot,
      activeTotal: p.activeTotal,
      pendingRoot: p.pendingRoot,
      claimed: views[2 * i + 1][0] as bigint,
    };
  });
}
