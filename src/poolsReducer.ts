/**
 * The pools' log reducer: rebuilds every RewardPools view from the logs of RewardPools and KnowledgeRegistry
 * alone, with the contract's own integer arithmetic (PoolMath), so a dapp, a bot or an indexer can show pools,
 * streams, pending changes and what each account can claim without calling the chain.
 *
 * Feed it decoded logs in chain order (block number, log index), each with its block's timestamp; call `apply`
 * again with later logs to resume (logs at or before the last applied position are skipped). Every stored accrual
 * (`PoolAccrued`) is recomputed and compared with the event: a mismatch throws `ReducerMismatch`.
 *
 * Not rebuildable from logs (no event says so): signature nonces consumed by `claimBySig` (only
 * `invalidateNonces` floors are known), and the checkpoint of a member of weight 0 that a claim or `settle`
 * touched without moving anything (it affects nothing that member is owed). Before 4b5c734 a settlement of an
 * artifact that earned nothing directly and whose whole outflow was withheld from retracted parents emitted
 * `UpstreamWithheld` but no `ArtifactSettled`; the reducer books such logs from the `UpstreamWithheld` events.
 *
 * Depends on ethers only.
 */
import { Interface, type Log, type LogDescription, type Result } from "ethers";

export const SCALE = 1n << 40n;
export const RATE_SCALE = 1n << 32n;
export const MAX_BPS = 10_000n;
export const MAX_ENDS_PER_ACCRUE = 32;

// ── PoolMath ─────────────────────────────────────────────────────────────────────────────────────────────────

export function streamRate(amount: bigint, duration: bigint): { rate: bigint; dust: bigint } {
  const rate = (amount * RATE_SCALE) / duration;
  return { rate, dust: amount * RATE_SCALE - rate * duration };
}

export function distribute(amount: bigint, totalWeight: bigint): { indexDelta: bigint; leftover: bigint } {
  if (totalWeight === 0n) return { indexDelta: 0n, leftover: amount };
  const indexDelta = (amount * SCALE) / totalWeight;
  const consumed = ceilDiv(indexDelta * totalWeight, SCALE);
  return { indexDelta, leftover: amount - consumed };
}

export function splitUpstream(scaled: bigint, upstreamBps: bigint): { upstream: bigint; kept: bigint } {
  const upstream = (scaled * upstreamBps) / MAX_BPS;
  return { upstream, kept: scaled - upstream };
}

export function parentPart(outflow: bigint, count: number, i: number): bigint {
  const part = outflow / BigInt(count);
  return i === 0 ? outflow - part * BigInt(count - 1) : part;
}

export function entitlement(earnedScaled: bigint, share: bigint, totalShares: bigint): bigint {
  return (earnedScaled * share) / (totalShares * SCALE);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

// ── Input ────────────────────────────────────────────────────────────────────────────────────────────────────

/** One decoded log: which contract emitted it, the event name and arguments, where and when. */
export interface ReducerLog {
  source: "pools" | "registry";
  name: string;
  args: Result | Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  /** The block's timestamp. */
  timestamp: bigint;
}

/** Decodes raw logs of `poolsAddress` and `registryAddress` (others are dropped); `timestampOf` gives each block's. */
export function decodeLogs(
  logs: readonly Log[],
  addresses: { pools: string; registry: string },
  ifaces: { pools: Interface; registry: Interface },
  timestampOf: (blockNumber: number) => bigint,
): ReducerLog[] {
  const out: ReducerLog[] = [];
  for (const log of logs) {
    const address = log.address.toLowerCase();
    const source =
      address === addresses.pools.toLowerCase()
        ? "pools"
        : address === addresses.registry.toLowerCase()
          ? "registry"
          : undefined;
    if (!source) continue;
    let parsed: LogDescription | null = null;
    try {
      parsed = ifaces[source].parseLog(log);
    } catch {
      parsed = null;
    }
    if (!parsed) continue;
    out.push({
      source,
      name: parsed.name,
      args: parsed.args,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      timestamp: timestampOf(log.blockNumber),
    });
  }
  return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

// ── State ────────────────────────────────────────────────────────────────────────────────────────────────────

export class ReducerMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReducerMismatch";
  }
}

export interface ArtifactFacts {
  digest: string;
  /** Current slot holders, in slot order. */
  holders: string[];
  shares: bigint[];
  totalShares: bigint;
  parents: string[];
  upstreamBps: bigint;
  retracted: boolean;
}

export interface MemberState {
  weight: bigint;
  checkpoint: bigint;
  earnedScaled: bigint;
  pendingUpstreamScaled: bigint;
  upstreamBps: bigint;
  totalShares: bigint;
  flags: number;
  /** The part of `earnedScaled` that came from derivatives (kept from `UpstreamFlowed`), for the app's sources. */
  fromDerivativesScaled: bigint;
}

export interface StreamState {
  streamId: string;
  funder: string;
  /** Received, summed over the fundings sharing this id. */
  amount: bigint;
  start: bigint;
  end: bigint;
  cancelable: boolean;
  cancelled: boolean;
  /** Released when cancelled (the part that stayed with the members). */
  releasedAtCancel: bigint;
  refunded: bigint;
}

export interface StreamView extends StreamState {
  /** Released so far at `now`: rate × elapsed, rounded down; the whole amount from its end. */
  released: bigint;
  status: "running" | "ended" | "cancelled";
}

export type CurationOpView = { artifact: string; weight: bigint; action: "Admit" | "SetWeight" | "Remove" };
export interface PendingChangeView {
  changeId: bigint;
  executeAfter: bigint;
  ops: CurationOpView[];
}

interface EndEntry {
  rateDrop: bigint;
  dust: bigint;
}

export interface PoolState {
  poolId: bigint;
  token: string;
  curator: string;
  pendingCurator: string;
  curationDelay: bigint;
  totalWeight: bigint;
  index: bigint;
  lastUpdate: bigint;
  rate: bigint;
  rateDust: bigint;
  carried: bigint;
  streaming: bigint;
  changeCount: bigint;
  /** Sorted stream ends still in the list. */
  ends: bigint[];
  endEntries: Map<bigint, EndEntry>;
  /** Streams in creation order; non-cancelable fundings with one id are listed separately. */
  streams: StreamState[];
  cancelable: Map<string, bigint>;
  pendingChanges: Map<bigint, PendingChangeView>;
  members: Map<string, MemberState>;
  /** artifact → slot → claimed */
  claimed: Map<string, Map<bigint, bigint>>;
}

/** Mirrors `IRewardPools.PoolView`. */
export interface PoolView {
  token: string;
  curator: string;
  pendingCurator: string;
  curationDelay: bigint;
  totalWeight: bigint;
  index: bigint;
  lastUpdate: bigint;
  rate: bigint;
  nextStreamEnd: bigint;
  streaming: bigint;
  carried: bigint;
  changeCount: bigint;
}

/** Mirrors `IRewardPools.MemberView`. */
export interface MemberView {
  weight: bigint;
  checkpoint: bigint;
  earnedScaled: bigint;
  pendingUpstreamScaled: bigint;
  upstreamBps: bigint;
  totalShares: bigint;
}

export interface Earning {
  poolId: bigint;
  token: string;
  artifact: string;
  slot: bigint;
  claimable: bigint;
  claimed: bigint;
}

interface Accrual {
  index: bigint;
  lastUpdate: bigint;
  rate: bigint;
  rateDust: bigint;
  carried: bigint;
  streaming: bigint;
  endsProcessed: number;
  caughtUp: boolean;
  idle: boolean;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ACTIONS = ["Admit", "SetWeight", "Remove"] as const;
const FLAG_HAS_EARNED = 1;

function arg<T = unknown>(args: ReducerLog["args"], name: string, position: number): T {
  const named = (args as Record<string, unknown>)[name];
  if (named !== undefined) return named as T;
  return (args as unknown as unknown[])[position] as T;
}
const big = (v: unknown): bigint => BigInt(v as bigint);
const addr = (v: unknown): string => String(v);
const key = (digest: string): string => digest.toLowerCase();

// ── The reducer ──────────────────────────────────────────────────────────────────────────────────────────────

export class PoolsReducer {
  readonly pools = new Map<bigint, PoolState>();
  readonly artifacts = new Map<string, ArtifactFacts>();
  /** Lowest valid nonce per account as far as `NoncesInvalidated` says (claims by signature are not logged). */
  readonly nonceFloors = new Map<string, bigint>();
  /** Position of the last applied log. */
  cursor: { blockNumber: number; logIndex: number } | undefined;
  /** Logs applied so far. */
  applied = 0;
  /**
   * A settlement in progress: its UpstreamFlowed/UpstreamWithheld events come before its ArtifactSettled. When the
   * artifact earned nothing directly and every part was withheld, no ArtifactSettled follows: the next other log
   * (or a view) closes it.
   */
  private settling: { pool: PoolState; child: string; withheld: bigint; flowed: boolean } | undefined;

  /** Applies `logs` (chain order); those at or before the cursor are skipped. */
  apply(logs: readonly ReducerLog[]): void {
    for (const log of logs) {
      const c = this.cursor;
      if (
        c &&
        (log.blockNumber < c.blockNumber || (log.blockNumber === c.blockNumber && log.logIndex <= c.logIndex))
      )
        continue;
      if (this.settling && !this.continuesSettlement(log)) this.closeSettlement();
      if (log.source === "registry") this.registryLog(log);
      else this.poolsLog(log);
      this.cursor = { blockNumber: log.blockNumber, logIndex: log.logIndex };
      this.applied++;
    }
  }

  private continuesSettlement(log: ReducerLog): boolean {
    const s = this.settling!;
    if (log.source !== "pools") return false;
    if (!["UpstreamFlowed", "UpstreamWithheld", "ArtifactSettled"].includes(log.name)) return false;
    const poolId = big(arg(log.args, "poolId", 0));
    const child = key(arg<string>(log.args, log.name === "ArtifactSettled" ? "artifact" : "child", 1));
    return poolId === s.pool.poolId && child === s.child;
  }

  /** A settlement without ArtifactSettled: nothing direct, its whole pending outflow withheld. */
  private closeSettlement(): void {
    const s = this.settling!;
    this.settling = undefined;
    const m = this.memberState(s.pool, s.child);
    if (s.flowed || s.withheld !== m.pendingUpstreamScaled) {
      throw new ReducerMismatch(
        `pool ${s.pool.poolId}: settlement of ${s.child} without ArtifactSettled, but it passed upstream or withheld ` +
          `${s.withheld} of a pending ${m.pendingUpstreamScaled}`,
      );
    }
    m.pendingUpstreamScaled = 0n;
  }

  private openSettlement(p: PoolState, child: string): NonNullable<PoolsReducer["settling"]> {
    if (!this.settling) this.settling = { pool: p, child, withheld: 0n, flowed: false };
    return this.settling;
  }

  /** Closes a settlement the last log left open (views call it). */
  private settled(): void {
    if (this.settling) this.closeSettlement();
  }

  // ── registry events ────────────────────────────────────────────────────────────────────────────────────────

  private registryLog(log: ReducerLog): void {
    const a = log.args;
    switch (log.name) {
      case "ArtifactRegistered": {
        const digest = key(arg<string>(a, "digest", 0));
        const contributors = arg<unknown[]>(a, "contributors", 5).map((c) => ({
          account: addr(arg(c as Result, "account", 0)),
          share: big(arg(c as Result, "share", 1)),
        }));
        this.artifacts.set(digest, {
          digest,
          holders: contributors.map((c) => c.account),
          shares: contributors.map((c) => c.share),
          totalShares: contributors.reduce((s, c) => s + c.share, 0n),
          parents: arg<string[]>(a, "parents", 6).map((p) => key(String(p))),
          upstreamBps: big(arg(a, "upstreamBps", 7)),
          retracted: false,
        });
        break;
      }
      case "ArtifactRetracted":
        this.artifact(arg<string>(a, "digest", 0)).retracted = true;
        break;
      case "ContributorSlotMoved": {
        const facts = this.artifact(arg<string>(a, "digest", 0));
        facts.holders[Number(big(arg(a, "slot", 1)))] = addr(arg(a, "to", 3));
        break;
      }
      default:
        break;
    }
  }

  private artifact(digest: string): ArtifactFacts {
    const facts = this.artifacts.get(key(digest));
    if (!facts) throw new ReducerMismatch(`log names artifact ${digest}, never registered in the logs given`);
    return facts;
  }

  // ── pools events ───────────────────────────────────────────────────────────────────────────────────────────

  private poolsLog(log: ReducerLog): void {
    const a = log.args;
    const now = log.timestamp;
    if (log.name === "NoncesInvalidated") {
      this.nonceFloors.set(addr(arg(a, "account", 0)).toLowerCase(), big(arg(a, "newNonce", 1)));
      return;
    }
    if (log.name === "PoolCreated") {
      const poolId = big(arg(a, "poolId", 0));
      this.pools.set(poolId, {
        poolId,
        token: addr(arg(a, "token", 1)),
        curator: addr(arg(a, "curator", 2)),
        pendingCurator: ZERO_ADDRESS,
        curationDelay: big(arg(a, "curationDelay", 4)),
        totalWeight: 0n,
        index: 0n,
        lastUpdate: now,
        rate: 0n,
        rateDust: 0n,
        carried: 0n,
        streaming: 0n,
        changeCount: 0n,
        ends: [],
        endEntries: new Map(),
        streams: [],
        cancelable: new Map(),
        pendingChanges: new Map(),
        members: new Map(),
        claimed: new Map(),
      });
      return;
    }
    const poolIdArg = arg(a, "poolId", 0);
    if (poolIdArg === undefined) return;
    const p = this.poolState(big(poolIdArg));
    const where = `pool ${p.poolId}, block ${log.blockNumber} log ${log.logIndex} (${log.name})`;
    switch (log.name) {
      case "PoolAccrued": {
        const acc = this.accrual(p, now);
        if (acc.idle) {
          // An idle pool stores no accrual: this is a curation change sharing what the pool carried.
          const d = distribute(acc.carried, p.totalWeight);
          acc.index += d.indexDelta;
          acc.carried = d.leftover;
        }
        const index = big(arg(a, "index", 1));
        const lastUpdate = big(arg(a, "lastUpdate", 2));
        const carried = big(arg(a, "carried", 3));
        if (acc.index !== index || acc.lastUpdate !== lastUpdate || acc.carried !== carried) {
          throw new ReducerMismatch(
            `${where}: recomputed accrual (index ${acc.index}, lastUpdate ${acc.lastUpdate}, carried ${acc.carried}) ` +
              `differs from the event (index ${index}, lastUpdate ${lastUpdate}, carried ${carried})`,
          );
        }
        this.store(p, acc);
        break;
      }
      case "PoolFunded": {
        const received = big(arg(a, "received", 3));
        const d = distribute(received + p.carried, p.totalWeight);
        p.index += d.indexDelta;
        p.carried = d.leftover;
        break;
      }
      case "StreamCreated": {
        const streamId = String(arg(a, "streamId", 1));
        const funder = addr(arg(a, "funder", 2));
        const received = big(arg(a, "received", 4));
        const start = big(arg(a, "start", 5));
        const end = big(arg(a, "end", 6));
        const cancelable = Boolean(arg(a, "cancelable", 7));
        if (p.rate === 0n && p.ends.length === 0) p.lastUpdate = now; // an idle pool's clock starts again
        this.requireCaughtUp(p, now, where);
        const duration = end - start;
        let { rate, dust } = streamRate(received, duration);
        let dustBefore = 0n;
        if (cancelable) {
          const before = p.cancelable.get(streamId) ?? 0n;
          if (before !== 0n) {
            const b = streamRate(before, duration);
            dustBefore = b.dust;
            const merged = streamRate(before + received, duration);
            rate = merged.rate - b.rate;
            dust = merged.dust;
          }
          p.cancelable.set(streamId, before + received);
          const existing = p.streams.find((s) => s.streamId === streamId && !s.cancelled);
          if (existing) existing.amount += received;
          else p.streams.push(this.newStream(streamId, funder, received, start, end, true));
        } else {
          p.streams.push(this.newStream(streamId, funder, received, start, end, false));
        }
        const entry = this.linkEnd(p, end);
        entry.rateDrop += rate;
        entry.dust = entry.dust - dustBefore + dust;
        p.rate += rate;
        p.streaming += received;
        break;
      }
      case "StreamCancelled": {
        const streamId = String(arg(a, "streamId", 1));
        const released = big(arg(a, "released", 3));
        const refunded = big(arg(a, "refunded", 4));
        const stream = p.streams.find((s) => s.streamId === streamId && s.cancelable && !s.cancelled);
        const amount = p.cancelable.get(streamId);
        if (!stream || amount === undefined)
          throw new ReducerMismatch(`${where}: unknown stream ${streamId}`);
        this.requireCaughtUp(p, now, where);
        p.cancelable.delete(streamId);
        const { rate, dust } = streamRate(amount, stream.end - stream.start);
        const releasedScaled = rate * (now - stream.start);
        const expected = ceilDiv(releasedScaled, RATE_SCALE);
        if (expected !== released || amount - expected !== refunded) {
          throw new ReducerMismatch(
            `${where}: recomputed release ${expected} / refund ${amount - expected}, event says ${released} / ${refunded}`,
          );
        }
        const entry = p.endEntries.get(stream.end);
        if (!entry) throw new ReducerMismatch(`${where}: end ${stream.end} not in the list`);
        entry.rateDrop -= rate;
        entry.dust -= dust;
        p.rate -= rate;
        const scaled = p.rateDust + (released * RATE_SCALE - releasedScaled);
        const whole = scaled / RATE_SCALE;
        p.rateDust = scaled % RATE_SCALE;
        p.streaming -= whole + refunded;
        p.carried += whole;
        stream.cancelled = true;
        stream.releasedAtCancel = released;
        stream.refunded = refunded;
        break;
      }
      case "ArtifactAdmitted": {
        const artifact = key(arg<string>(a, "artifact", 1));
        const weight = big(arg(a, "weight", 2));
        const facts = this.artifact(artifact);
        const m = this.memberState(p, artifact);
        if (m.weight !== 0n) throw new ReducerMismatch(`${where}: ${artifact} is already a member`);
        m.checkpoint = p.index;
        m.weight = weight;
        m.upstreamBps = facts.upstreamBps;
        m.totalShares = facts.totalShares;
        p.totalWeight += weight;
        break;
      }
      case "WeightChanged":
      case "ArtifactRemoved": {
        const artifact = key(arg<string>(a, "artifact", 1));
        const oldWeight = big(arg(a, "oldWeight", 2));
        const newWeight = log.name === "WeightChanged" ? big(arg(a, "newWeight", 3)) : 0n;
        const m = this.memberState(p, artifact);
        if (m.weight !== oldWeight)
          throw new ReducerMismatch(`${where}: weight ${m.weight}, event says ${oldWeight}`);
        // The settlement before it (an ArtifactSettled, or none when nothing accrued) left it at the index.
        if (m.checkpoint !== p.index && m.weight * (p.index - m.checkpoint) !== 0n)
          throw new ReducerMismatch(`${where}: ${artifact} changed weight without being settled`);
        m.checkpoint = p.index;
        m.weight = newWeight;
        p.totalWeight += newWeight - oldWeight;
        break;
      }
      case "CurationAnnounced": {
        const changeId = big(arg(a, "changeId", 1));
        const ops = arg<unknown[]>(a, "ops", 3).map((o) => ({
          artifact: key(String(arg(o as Result, "artifact", 0))),
          weight: big(arg(o as Result, "weight", 1)),
          action: ACTIONS[Number(big(arg(o as Result, "action", 2)))],
        }));
        p.changeCount = changeId;
        p.pendingChanges.set(changeId, { changeId, executeAfter: big(arg(a, "executeAfter", 2)), ops });
        break;
      }
      case "CurationExecuted":
      case "CurationCancelled": {
        const changeId = big(arg(a, "changeId", 1));
        if (!p.pendingChanges.delete(changeId))
          throw new ReducerMismatch(`${where}: unknown change ${changeId}`);
        break;
      }
      case "CuratorProposed":
        p.pendingCurator = addr(arg(a, "proposed", 2));
        break;
      case "CuratorTransferred":
        p.curator = addr(arg(a, "curator", 2));
        p.pendingCurator = ZERO_ADDRESS;
        break;
      case "UpstreamFlowed": {
        this.openSettlement(p, key(arg<string>(a, "child", 1))).flowed = true;
        const parent = key(arg<string>(a, "parent", 2));
        const amount = big(arg(a, "scaledAmount", 3));
        const facts = this.artifact(parent);
        const m = this.memberState(p, parent);
        if (m.totalShares === 0n) {
          m.upstreamBps = facts.upstreamBps;
          m.totalShares = facts.totalShares;
        }
        const { upstream, kept } = splitUpstream(amount, m.upstreamBps);
        if (kept !== 0n) {
          m.earnedScaled += kept;
          m.fromDerivativesScaled += kept;
          m.flags |= FLAG_HAS_EARNED;
        }
        m.pendingUpstreamScaled += upstream;
        break;
      }
      case "UpstreamWithheld": {
        // The part stays with the child's contributors.
        const child = key(arg<string>(a, "child", 1));
        const amount = big(arg(a, "scaledAmount", 3));
        this.openSettlement(p, child).withheld += amount;
        const m = this.memberState(p, child);
        m.earnedScaled += amount;
        m.flags |= FLAG_HAS_EARNED;
        break;
      }
      case "ArtifactSettled": {
        const artifact = key(arg<string>(a, "artifact", 1));
        const index = big(arg(a, "index", 2));
        const keptScaled = big(arg(a, "keptScaled", 3));
        const outflowScaled = big(arg(a, "outflowScaled", 4));
        const m = this.memberState(p, artifact);
        if (m.weight !== 0n && index < m.checkpoint)
          throw new ReducerMismatch(`${where}: index ${index} below checkpoint ${m.checkpoint}`);
        const direct = m.weight * (index - m.checkpoint);
        if (keptScaled + outflowScaled !== direct + m.pendingUpstreamScaled) {
          throw new ReducerMismatch(
            `${where}: ${artifact} earned ${direct} + pending ${m.pendingUpstreamScaled}, ` +
              `event splits ${keptScaled} + ${outflowScaled}`,
          );
        }
        // Its withheld parts (in keptScaled) were booked as their events came.
        const withheld = this.settling?.withheld ?? 0n;
        this.settling = undefined;
        m.checkpoint = index;
        m.pendingUpstreamScaled = 0n;
        if (keptScaled !== 0n) {
          m.earnedScaled += keptScaled - withheld;
          m.flags |= FLAG_HAS_EARNED;
        }
        break;
      }
      case "RewardsClaimed": {
        const artifact = key(arg<string>(a, "artifact", 1));
        const slot = big(arg(a, "slot", 3));
        const amount = big(arg(a, "amount", 5));
        let bySlot = p.claimed.get(artifact);
        if (!bySlot) p.claimed.set(artifact, (bySlot = new Map()));
        bySlot.set(slot, (bySlot.get(slot) ?? 0n) + amount);
        break;
      }
      default:
        break;
    }
  }

  private newStream(
    streamId: string,
    funder: string,
    amount: bigint,
    start: bigint,
    end: bigint,
    cancelable: boolean,
  ): StreamState {
    return {
      streamId,
      funder,
      amount,
      start,
      end,
      cancelable,
      cancelled: false,
      releasedAtCancel: 0n,
      refunded: 0n,
    };
  }

  private requireCaughtUp(p: PoolState, now: bigint, where: string): void {
    if (p.lastUpdate !== now || (p.ends.length > 0 && p.ends[0] <= now))
      throw new ReducerMismatch(`${where}: the pool was not accrued to ${now} before (missing PoolAccrued?)`);
  }

  private linkEnd(p: PoolState, end: bigint): EndEntry {
    let entry = p.endEntries.get(end);
    if (entry) return entry;
    entry = { rateDrop: 0n, dust: 0n };
    p.endEntries.set(end, entry);
    let lo = 0;
    let hi = p.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.ends[mid] < end) lo = mid + 1;
      else hi = mid;
    }
    p.ends.splice(lo, 0, end);
    return entry;
  }

  private poolState(poolId: bigint): PoolState {
    const p = this.pools.get(poolId);
    if (!p) throw new ReducerMismatch(`log names pool ${poolId}, never created in the logs given`);
    return p;
  }

  private memberState(p: PoolState, artifact: string): MemberState {
    let m = p.members.get(key(artifact));
    if (!m) {
      m = {
        weight: 0n,
        checkpoint: 0n,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 0n,
        flags: 0,
        fromDerivativesScaled: 0n,
      };
      p.members.set(key(artifact), m);
    }
    return m;
  }

  // ── accrual, as `_accrual` ─────────────────────────────────────────────────────────────────────────────────

  private accrual(p: PoolState, now: bigint): Accrual {
    if (now < p.lastUpdate)
      throw new ReducerMismatch(`pool ${p.poolId}: time ${now} before lastUpdate ${p.lastUpdate}`);
    if (p.rate === 0n && p.ends.length === 0) {
      // Idle: nothing runs or is due, so nothing is released or stored (the clock stands still).
      const { index, lastUpdate, rate, rateDust, carried, streaming } = p;
      return {
        index,
        lastUpdate,
        rate,
        rateDust,
        carried,
        streaming,
        endsProcessed: 0,
        caughtUp: true,
        idle: true,
      };
    }
    let { index, lastUpdate, rate, carried, streaming } = p;
    let scaled = p.rateDust;
    let endsProcessed = 0;
    while (
      endsProcessed < p.ends.length &&
      p.ends[endsProcessed] <= now &&
      endsProcessed < MAX_ENDS_PER_ACCRUE
    ) {
      const end = p.ends[endsProcessed];
      const entry = p.endEntries.get(end)!;
      scaled += rate * (end - lastUpdate) + entry.dust;
      rate -= entry.rateDrop;
      lastUpdate = end;
      endsProcessed++;
    }
    const nextEnd = endsProcessed < p.ends.length ? p.ends[endsProcessed] : 0n;
    const caughtUp = nextEnd === 0n || nextEnd > now;
    if (caughtUp) {
      scaled += rate * (now - lastUpdate);
      lastUpdate = now;
    }
    const released = scaled / RATE_SCALE;
    const rateDust = scaled % RATE_SCALE;
    streaming -= released;
    const d = distribute(released + carried, p.totalWeight);
    index += d.indexDelta;
    carried = d.leftover;
    return { index, lastUpdate, rate, rateDust, carried, streaming, endsProcessed, caughtUp, idle: false };
  }

  private store(p: PoolState, acc: Accrual): void {
    for (const end of p.ends.splice(0, acc.endsProcessed)) p.endEntries.delete(end);
    p.index = acc.index;
    p.lastUpdate = acc.lastUpdate;
    p.rate = acc.rate;
    p.rateDust = acc.rateDust;
    p.carried = acc.carried;
    p.streaming = acc.streaming;
  }

  private virtualIndex(p: PoolState, now: bigint): bigint {
    if (p.rate === 0n || p.totalWeight === 0n) return p.index;
    const released = (p.rateDust + p.rate * (now - p.lastUpdate)) / RATE_SCALE;
    return p.index + distribute(released, p.totalWeight).indexDelta;
  }

  private claimIndex(p: PoolState, now: bigint): bigint {
    const endDue = p.ends.length > 0 && p.ends[0] <= now;
    return endDue ? this.accrual(p, now).index : this.virtualIndex(p, now);
  }

  // ── views ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** `RewardPools.pool(poolId)` at time `now` (≥ the last applied block's timestamp). */
  pool(poolId: bigint, now: bigint): PoolView {
    this.settled();
    const p = this.poolState(poolId);
    const acc = this.accrual(p, now);
    return {
      token: p.token,
      curator: p.curator,
      pendingCurator: p.pendingCurator,
      curationDelay: p.curationDelay,
      totalWeight: p.totalWeight,
      index: acc.index,
      lastUpdate: acc.lastUpdate,
      rate: acc.rate,
      nextStreamEnd: acc.endsProcessed < p.ends.length ? p.ends[acc.endsProcessed] : 0n,
      streaming: acc.streaming,
      carried: acc.carried,
      changeCount: p.changeCount,
    };
  }

  /** `RewardPools.member(poolId, artifact)`. */
  member(poolId: bigint, artifact: string): MemberView {
    this.settled();
    const m = this.pools.get(poolId)?.members.get(key(artifact));
    return {
      weight: m?.weight ?? 0n,
      checkpoint: m?.checkpoint ?? 0n,
      earnedScaled: m?.earnedScaled ?? 0n,
      pendingUpstreamScaled: m?.pendingUpstreamScaled ?? 0n,
      upstreamBps: m?.upstreamBps ?? 0n,
      totalShares: m?.totalShares ?? 0n,
    };
  }

  /** `RewardPools.claimed(poolId, artifact, slot)`. */
  claimed(poolId: bigint, artifact: string, slot: bigint | number): bigint {
    return this.pools.get(poolId)?.claimed.get(key(artifact))?.get(BigInt(slot)) ?? 0n;
  }

  /** `RewardPools.claimableBySlot(poolId, artifact, slot)` at time `now`. */
  claimableBySlot(poolId: bigint, artifact: string, slot: bigint | number, now: bigint): bigint {
    this.settled();
    const p = this.poolState(poolId);
    const facts = this.artifacts.get(key(artifact));
    const share = facts?.shares[Number(slot)] ?? 0n;
    return this.claimableView(p, key(artifact), BigInt(slot), share, this.claimIndex(p, now));
  }

  /** `RewardPools.claimable(poolId, artifact, account)` at time `now`. */
  claimable(poolId: bigint, artifact: string, account: string, now: bigint): bigint {
    this.settled();
    const p = this.poolState(poolId);
    const facts = this.artifacts.get(key(artifact));
    const slot = facts?.holders.findIndex((h) => h.toLowerCase() === account.toLowerCase()) ?? -1;
    if (!facts || slot < 0) return 0n;
    return this.claimableView(p, key(artifact), BigInt(slot), facts.shares[slot], this.claimIndex(p, now));
  }

  /**
   * The part of `claimableBySlot` that came from derivatives: the claimable amount times the share of the
   * artifact's earnings (settled and accrued) that reached it as upstream flow, rounded down; the rest is
   * direct. Claims pay both alike, so this is the pro-rata split, not a separate balance.
   */
  claimableFromDerivatives(poolId: bigint, artifact: string, slot: bigint | number, now: bigint): bigint {
    const claimable = this.claimableBySlot(poolId, artifact, slot, now);
    const p = this.poolState(poolId);
    const m = p.members.get(key(artifact));
    if (claimable === 0n || !m || m.fromDerivativesScaled === 0n) return 0n;
    const total = m.earnedScaled + this.unsettledKept(m, key(artifact), this.claimIndex(p, now));
    return total === 0n ? 0n : (claimable * m.fromDerivativesScaled) / total;
  }

  /** What `m` keeps of its flow since its checkpoint (scaled), as a settlement at `index` would book it. */
  private unsettledKept(m: MemberState, artifact: string, index: bigint): bigint {
    const direct = m.weight * (index - m.checkpoint);
    const split = splitUpstream(direct, m.upstreamBps);
    const upstream = split.upstream;
    let kept = split.kept;
    if (m.upstreamBps !== 0n) {
      const outflow = upstream + m.pendingUpstreamScaled;
      const facts = this.artifact(artifact);
      if (outflow !== 0n) {
        facts.parents.forEach((parent, i) => {
          if (this.artifacts.get(parent)?.retracted) kept += parentPart(outflow, facts.parents.length, i);
        });
      }
    }
    return kept;
  }

  private claimableView(p: PoolState, artifact: string, slot: bigint, share: bigint, index: bigint): bigint {
    const m = p.members.get(artifact);
    if (!m || m.totalShares === 0n || share === 0n) return 0n;
    const kept = this.unsettledKept(m, artifact, index);
    const entitled = entitlement(m.earnedScaled + kept, share, m.totalShares);
    const paid = p.claimed.get(artifact)?.get(slot) ?? 0n;
    return entitled > paid ? entitled - paid : 0n;
  }

  /** Each stream of the pool with what it released by `now` and its status. */
  streams(poolId: bigint, now: bigint): StreamView[] {
    const p = this.poolState(poolId);
    return p.streams.map((s) => {
      let released: bigint;
      let status: StreamView["status"];
      if (s.cancelled) {
        released = s.releasedAtCancel;
        status = "cancelled";
      } else if (now >= s.end) {
        released = s.amount;
        status = "ended";
      } else {
        const { rate } = streamRate(s.amount, s.end - s.start);
        released = (rate * (now - s.start)) / RATE_SCALE;
        status = "running";
      }
      return { ...s, released, status };
    });
  }

  /**
   * The `hint` for `fundStream` ending at `end`: the latest stream end before it still in the list (0 if none), so
   * the contract links the new end without walking the list. Ends an accrual has yet to process count as listed.
   */
  streamEndHint(poolId: bigint, end: bigint): bigint {
    let hint = 0n;
    for (const e of this.poolState(poolId).ends) {
      if (e >= end) break;
      hint = e;
    }
    return hint;
  }

  /** The announced changes not yet executed or cancelled, by id. */
  pendingChanges(poolId: bigint): PendingChangeView[] {
    return [...this.poolState(poolId).pendingChanges.values()].sort((x, y) =>
      x.changeId < y.changeId ? -1 : 1,
    );
  }

  /** Every (pool, artifact, slot) `account` holds where the pool has met the artifact, with its claimable. */
  earnings(account: string, now: bigint): Earning[] {
    this.settled();
    const out: Earning[] = [];
    const who = account.toLowerCase();
    for (const p of this.pools.values()) {
      for (const [artifact, m] of p.members) {
        if (m.totalShares === 0n) continue;
        const facts = this.artifacts.get(artifact);
        if (!facts) continue;
        facts.holders.forEach((h, slot) => {
          if (h.toLowerCase() !== who) return;
          out.push({
            poolId: p.poolId,
            token: p.token,
            artifact,
            slot: BigInt(slot),
            claimable: this.claimableBySlot(p.poolId, artifact, slot, now),
            claimed: this.claimed(p.poolId, artifact, slot),
          });
        });
      }
    }
    return out;
  }
}
