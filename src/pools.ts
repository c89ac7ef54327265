import type { ContractTransactionReceipt, Signer } from "ethers";

import type { RewardPools } from "../typechain-types";
import { KcError } from "./errors";
import { formatDuration } from "./format";
import type { HistoryView } from "./history/view";
import {
  type Plan,
  type PlanResult,
  type SplitOptions,
  eventsNamed,
  planSplit,
  rangeLabel,
  sendCall,
} from "./tx";

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

/** What a pool's curation delay means for its funders, in one sentence. */
export function curationTrust(delay: bigint): string {
  return delay === 0n
    ? "changes apply at once: the curator is fully trusted with unreleased stream funds and future funding"
    : `changes are announced and apply after ${formatDuration(delay)}; cancelable streams can leave before they do`;
}

export interface StreamInfo {
  streamId: string;
  funder: string;
  /** What the pool received (less than the amount sent for fee-on-transfer tokens). */
  received: bigint;
  start: bigint;
  end: bigint;
  cancelable: boolean;
  status: "running" | "ended" | "cancelled";
  /** Released to the members so far: exact once ended or cancelled, `floor(received × elapsed / duration)` before. */
  released: bigint;
  refunded: bigint;
}

/** Every stream of `poolId` in the history, oldest first. Same-schedule streams of a funder add up, as on-chain. */
export function poolStreams(history: HistoryView, poolId: bigint, now: bigint): StreamInfo[] {
  return (history.pool(poolId)?.streams ?? []).map((s) => {
    const stream = {
      streamId: s.streamId,
      funder: s.funder,
      received: s.received,
      start: s.start,
      end: s.end,
      cancelable: s.cancelable,
    };
    if (s.cancelled)
      return { ...stream, status: "cancelled", released: s.released!, refunded: s.refunded! } as const;
    if (now >= s.end) return { ...stream, status: "ended", released: s.received, refunded: 0n } as const;
    const released = (s.received * (now - s.start)) / (s.end - s.start);
    return { ...stream, status: "running", released, refunded: 0n } as const;
  });
}

/**
 * The hint `fundStream` wants: the latest end already in the pool's list before `end` (0 when the new
 * stream ends after every other one, or before all of them, which the contract handles in O(1)).
 */
export async function streamEndHint(
  pools: RewardPools,
  history: HistoryView,
  poolId: bigint,
  end: bigint,
  now: bigint,
): Promise<bigint> {
  const ends = poolStreams(history, poolId, now)
    .filter((s) => s.status === "running" && s.end < end)
    .map((s) => s.end)
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const candidate of ends) {
    if ((await pools.streamEnd(poolId, candidate)).linked) return candidate;
  }
  return 0n;
}

export interface PendingChange {
  changeId: bigint;
  executeAfter: bigint;
  ops: { artifact: string; weight: bigint; action: "admit" | "weight" | "remove" }[];
}

const ACTIONS = ["admit", "weight", "remove"] as const;

/** Announced curation changes of `poolId` still pending (neither executed nor cancelled), oldest first. */
export async function pendingChanges(
  pools: RewardPools,
  history: HistoryView,
  poolId: bigint,
): Promise<PendingChange[]> {
  const announced = history.pool(poolId)?.pendingChanges ?? [];
  const views = await Promise.all(
    announced.map((changeId) => pools.pendingChange(poolId, changeId, { blockTag: history.block })),
  );
  const pending: PendingChange[] = [];
  for (const [i, changeId] of announced.entries()) {
    const [executeAfter, ops] = views[i];
    if (executeAfter === 0n) continue;
    pending.push({
      changeId,
      executeAfter,
      ops: ops.map((op) => ({
        artifact: op.artifact.toLowerCase(),
        weight: op.weight,
        action: ACTIONS[Number(op.action)],
      })),
    });
  }
  return pending;
}

/**
 * Sends `accrue` until no more stream ends are due than one call processes, so a stream, cancel or
 * curation change that follows does not revert `AccrualBehind`. Returns the receipts (usually none).
 */
export async function catchUp(
  pools: RewardPools,
  signer: Signer,
  poolId: bigint,
  now: bigint,
  status: (message: string) => void = () => {},
): Promise<PlanResult[]> {
  const results: PlanResult[] = [];
  for (;;) {
    const view = await pools.pool(poolId);
    if (view.nextStreamEnd === 0n || view.nextStreamEnd > now) return results;
    status(`pool #${poolId}: more stream ends are due than one call processes; sending accrue`);
    results.push(await sendCall(signer, pools, "accrue", [poolId], `accrue pool #${poolId}`));
  }
}

/** The named event of `receipt` emitted by `pools`, or an error: receipts are read by name, never by position. */
export function eventOf(pools: RewardPools, receipt: ContractTransactionReceipt, name: string) {
  for (const log of receipt.logs) {
    const parsed = pools.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new KcError(`transaction ${receipt.hash} has no ${name} event`);
}

/**
 * The plan that admits `artifacts` with `weights` to `poolId` (`admitMany`), split into as few
 * transactions as fit the per-transaction gas cap. Split admissions are separate curation changes: the
 * notes say so, and that funds the pool carried go to the members of the first transaction.
 */
export async function planAdmitMany(
  pools: RewardPools,
  signer: Signer,
  poolId: bigint,
  artifacts: string[],
  weights: (number | bigint)[],
  options: SplitOptions = {},
): Promise<Plan> {
  if (artifacts.length !== weights.length) {
    throw new KcError(`${artifacts.length} artifacts but ${weights.length} weights`);
  }
  const items = artifacts.map((artifact, i) => ({ artifact, weight: weights[i] }));
  const to = pools.target as string;
  const plan = await planSplit(
    signer,
    items,
    (chunk) => ({
      to,
      data: pools.interface.encodeFunctionData("admitMany", [
        poolId,
        chunk.map((c) => c.artifact),
        chunk.map((c) => c.weight),
      ]),
    }),
    (chunk, from) => `admit to pool #${poolId}, ${rangeLabel(from, chunk.length, items.length, "artifacts")}`,
    `${items.length} admissions`,
    options,
  );
  if (plan.steps.length > 1) {
    const state = await pools.pool(poolId);
    if (state.curationDelay > 0n) {
      plan.notes.push(
        `each transaction announces its own curation change (${plan.steps.length} changes to execute)`,
      );
    }
    if (state.totalWeight === 0n && state.carried > 0n) {
      plan.notes.push("funds the pool carried are shared by the artifacts of the first transaction");
    }
  }
  return plan;
}

/** The `CurationAnnounced` events of a sent plan: the changes to execute once the pool's delay has passed. */
export function announcedChanges(result: PlanResult): { changeId: bigint; executeAfter: bigint }[] {
  return eventsNamed(result.events, "CurationAnnounced").map((e) => ({
    changeId: e.args.changeId as bigint,
    executeAfter: e.args.executeAfter as bigint,
  }));
}
