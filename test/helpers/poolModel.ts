/**
 * Reference model of RewardPools accounting, written from the specification (DESIGN.md "Pools: the promises",
 * IRewardPools NatSpec, issue 9), not from the contract. Exact rational arithmetic throughout: the model never
 * rounds (except where the specification itself states a rounding: a cancelled stream's refund), so comparing it
 * with the chain measures the contract's rounding and nothing else.
 *
 * Spec, as modelled:
 * - A pool has members with positive integer weights, total W. `fund(x)` distributes x at once by weight. Each
 *   `fundStream(x, d)` is a stream of its own that has released exactly x × elapsed / d at any time, and all of x
 *   from its end. While W = 0, released or funded amounts are carried; the carry goes to the members at the next
 *   distribution made while W > 0 (a change that leaves members shares it at once, by weight).
 * - A cancelable stream may be cancelled by its funder before its end: the refund is the unreleased remainder
 *   with the release rounded up to a whole unit at the contract's documented rate, i.e.
 *   amount − ceil(floor(amount × 2^32 / d) × elapsed / 2^32); the exact release stays with the members and the
 *   rest of the rounded-up unit joins the carry.
 * - Curation with a delay: a change is announced and applies, all its steps at once, when executed once due and
 *   at most 7 days later (after that it lapses).
 * - What an artifact earns is split: upstreamBps/10000 waits for the artifact's next settlement, then flows to its
 *   parents in equal parts; a retracted parent's part stays with the child's contributors. The rest belongs to the
 *   contributors at once, in proportion to their shares. A parent splits what it receives the same way.
 * - An artifact with upstreamBps > 0 is settled by a claim on it, by a weight change or removal, and by `settle`
 *   (levels: the parents a level passed upstream to are settled by the next).
 * - A slot's claimable = share/totalShares of its artifact's contributors' earnings (plus the part of its pending
 *   upstream a settlement would withhold from retracted parents), minus what it claimed.
 */

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Exact rationals
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An exact rational number n/d with d > 0, always reduced. */
export class Q {
  static readonly ZERO = new Q(0n, 1n);
  readonly n: bigint;
  readonly d: bigint;

  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new Error("Q: zero denominator");
    if (d < 0n) [n, d] = [-n, -d];
    const g = gcd(n, d);
    this.n = g > 1n ? n / g : n;
    this.d = g > 1n ? d / g : d;
  }

  static of(x: bigint | Q): Q {
    return typeof x === "bigint" ? new Q(x) : x;
  }

  add(o: bigint | Q): Q {
    const b = Q.of(o);
    return this.d === b.d ? new Q(this.n + b.n, this.d) : new Q(this.n * b.d + b.n * this.d, this.d * b.d);
  }
  sub(o: bigint | Q): Q {
    const b = Q.of(o);
    return this.add(new Q(-b.n, b.d));
  }
  mul(o: bigint | Q): Q {
    const b = Q.of(o);
    return new Q(this.n * b.n, this.d * b.d);
  }
  div(o: bigint | Q): Q {
    const b = Q.of(o);
    if (b.n === 0n) throw new Error("Q: division by zero");
    return new Q(this.n * b.d, this.d * b.n);
  }
  cmp(o: bigint | Q): number {
    const b = Q.of(o);
    const l = this.n * b.d;
    const r = b.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  isZero(): boolean {
    return this.n === 0n;
  }
  /** Largest integer ≤ this. */
  floor(): bigint {
    const q = this.n / this.d;
    return this.n < 0n && q * this.d !== this.n ? q - 1n : q;
  }
  toString(): string {
    if (this.d === 1n) return this.n.toString();
    const whole = this.floor();
    const frac = this.sub(whole);
    return `${whole}+${((frac.n * 1_000_000n) / frac.d).toString().padStart(6, "0")}e-6`;
  }
}

const BPS = 10_000n;

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Registry facts
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** An error the specification requires; its name is the contract's custom error. */
export class ModelRevert extends Error {
  constructor(readonly errorName: string) {
    super(`model reverts: ${errorName}`);
  }
}

/** Immutable facts of a registered artifact plus the current holders of its contributor slots. */
export class ArtifactModel {
  readonly totalShares: bigint;
  readonly holders: string[];
  retracted = false;

  constructor(
    readonly id: string,
    readonly parents: readonly string[],
    readonly upstreamBps: bigint,
    readonly shares: readonly bigint[],
    holders: readonly string[],
  ) {
    if (shares.length !== holders.length || shares.length === 0) throw new Error("bad contributors");
    if (upstreamBps < 0n || upstreamBps > BPS) throw new Error("bad upstreamBps");
    this.totalShares = shares.reduce((a, b) => a + b, 0n);
    this.holders = [...holders];
  }
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Pools
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The standing of one artifact in one pool. */
export class MemberModel {
  weight = 0n;
  /** Cumulative earnings of the artifact's contributors (after its upstream part). */
  earned: Q = Q.ZERO;
  /** Upstream part received or earned, waiting for this artifact's next settlement. */
  pendingUpstream: Q = Q.ZERO;
  /** Token units paid per slot. */
  readonly claimed: bigint[];

  constructor(slots: number) {
    this.claimed = new Array<bigint>(slots).fill(0n);
  }

  clone(): MemberModel {
    const m = new MemberModel(0);
    m.weight = this.weight;
    m.earned = this.earned;
    m.pendingUpstream = this.pendingUpstream;
    m.claimed.push(...this.claimed);
    return m;
  }
}

export interface ClaimTarget {
  artifact: string;
  slot: number;
}

export interface StreamModel {
  funder: string;
  amount: bigint;
  start: bigint;
  end: bigint;
  cancelable: boolean;
  cancelled: boolean;
}

export type Action = "Admit" | "SetWeight" | "Remove";
export interface OpModel {
  artifact: string;
  weight: bigint;
  action: Action;
}

const RATE_SCALE = 1n << 32n;

export class PoolModel {
  totalWeight = 0n;
  carried: Q = Q.ZERO;
  lastUpdate: bigint;
  funded = 0n;
  refunded = 0n;
  paid = 0n;
  changeCount = 0n;
  readonly members = new Map<string, MemberModel>();
  readonly streams: StreamModel[] = [];
  readonly changes = new Map<bigint, { executeAfter: bigint; ops: OpModel[] }>();

  constructor(
    readonly artifacts: ReadonlyMap<string, ArtifactModel>,
    now: bigint,
    readonly curationDelay = 0n,
  ) {
    this.lastUpdate = now;
  }

  clone(): PoolModel {
    const p = new PoolModel(this.artifacts, this.lastUpdate, this.curationDelay);
    p.totalWeight = this.totalWeight;
    p.carried = this.carried;
    p.funded = this.funded;
    p.refunded = this.refunded;
    p.paid = this.paid;
    p.changeCount = this.changeCount;
    for (const [k, m] of this.members) p.members.set(k, m.clone());
    for (const s of this.streams) p.streams.push({ ...s });
    for (const [k, c] of this.changes) p.changes.set(k, { executeAfter: c.executeAfter, ops: [...c.ops] });
    return p;
  }

  /** The standing of `id` (created empty on first use: parents need not be members). */
  member(id: string): MemberModel {
    let m = this.members.get(id);
    if (!m) {
      const a = this.artifact(id);
      m = new MemberModel(a.shares.length);
      this.members.set(id, m);
    }
    return m;
  }

  private artifact(id: string): ArtifactModel {
    const a = this.artifacts.get(id);
    if (!a) throw new ModelRevert("ArtifactNotRegistered");
    return a;
  }

  // ── time and distribution ──────────────────────────────────────────────────────────────────────────────────

  /** Exact release of `s` between `from` and `to`. */
  private static releasedBetween(s: StreamModel, from: bigint, to: bigint): Q {
    const a = from > s.start ? from : s.start;
    const b = to < s.end ? to : s.end;
    if (b <= a) return Q.ZERO;
    return new Q(s.amount * (b - a), s.end - s.start);
  }

  /** Unreleased by the running streams, exactly. */
  get streaming(): Q {
    let sum = Q.ZERO;
    for (const s of this.streams) {
      if (!s.cancelled) sum = sum.add(PoolModel.releasedBetween(s, this.lastUpdate, s.end));
    }
    return sum;
  }

  /** Latest end of a running stream (the clock start if none). */
  get lastStreamEnd(): bigint {
    return this.streams.reduce((e, s) => (!s.cancelled && s.end > e ? s.end : e), this.lastUpdate);
  }

  /** Releases every stream exactly up to `now`: to the members by weight, or into the carry while W = 0. */
  advanceTime(now: bigint): void {
    if (now < this.lastUpdate) throw new Error(`model time runs backwards: ${now} < ${this.lastUpdate}`);
    if (now === this.lastUpdate) return;
    let released = Q.ZERO;
    for (const s of this.streams) {
      if (!s.cancelled) released = released.add(PoolModel.releasedBetween(s, this.lastUpdate, now));
    }
    this.lastUpdate = now;
    this.spread(released);
  }

  /** Gives `amount` to the members by weight; with W = 0 it is carried. */
  private spread(amount: Q): void {
    if (amount.isZero()) return;
    if (this.totalWeight === 0n) {
      this.carried = this.carried.add(amount);
      return;
    }
    for (const [id, m] of this.members) {
      if (m.weight === 0n) continue;
      this.earn(id, amount.mul(m.weight).div(this.totalWeight));
    }
  }

  /** `id` earns `amount`: its contributors' part at once, its upstream part waits for its settlement. */
  private earn(id: string, amount: Q): void {
    const a = this.artifact(id);
    const m = this.member(id);
    const upstream = amount.mul(a.upstreamBps).div(BPS);
    m.pendingUpstream = m.pendingUpstream.add(upstream);
    m.earned = m.earned.add(amount.sub(upstream));
  }

  /** A distribution point: the streams up to now, then the carry if W > 0. */
  distribute(now: bigint): void {
    this.advanceTime(now);
    if (this.totalWeight !== 0n && !this.carried.isZero()) {
      const c = this.carried;
      this.carried = Q.ZERO;
      this.spread(c);
    }
  }

  /** Moves `id`'s pending upstream one lineage step: equal parts to each parent, retracted parents' to itself.
   * Returns the parents that now owe their own parents. */
  private settleOne(id: string): string[] {
    const a = this.artifact(id);
    const m = this.member(id);
    if (a.parents.length === 0 || m.pendingUpstream.isZero()) return [];
    const part = m.pendingUpstream.div(BigInt(a.parents.length));
    m.pendingUpstream = Q.ZERO;
    const reached: string[] = [];
    for (const p of a.parents) {
      if (this.artifact(p).retracted) {
        m.earned = m.earned.add(part);
        continue;
      }
      this.earn(p, part);
      if (this.artifact(p).upstreamBps !== 0n) reached.push(p);
    }
    return reached;
  }

  // ── curation ───────────────────────────────────────────────────────────────────────────────────────────────

  /** A curator's change: applied now without a delay, else announced (returns its id). */
  curate(ops: OpModel[], now: bigint): bigint | undefined {
    if (ops.length === 0) throw new ModelRevert("EmptyChange");
    if (this.curationDelay === 0n) {
      this.applyOps(ops, now);
      return undefined;
    }
    for (const op of ops) {
      if (op.action !== "Remove" && op.weight === 0n) throw new ModelRevert("ZeroWeight");
      if (op.action === "Admit") this.checkAdmissible(op.artifact);
    }
    this.changeCount++;
    this.changes.set(this.changeCount, { executeAfter: now + this.curationDelay, ops });
    return this.changeCount;
  }

  execute(changeId: bigint, now: bigint): void {
    const c = this.changes.get(changeId);
    if (!c) throw new ModelRevert("UnknownChange");
    if (now < c.executeAfter) throw new ModelRevert("ChangeNotDue");
    // A change lapses CHANGE_WINDOW (7 days) after it is due.
    if (now > c.executeAfter + 7n * 86_400n) throw new ModelRevert("ChangeExpired");
    this.changes.delete(changeId);
    this.applyOps(c.ops, now);
  }

  cancelChange(changeId: bigint): void {
    if (!this.changes.delete(changeId)) throw new ModelRevert("UnknownChange");
  }

  private checkAdmissible(id: string): void {
    if (this.artifact(id).retracted) throw new ModelRevert("ArtifactIsRetracted");
  }

  private applyOps(ops: OpModel[], now: bigint): void {
    this.distribute(now);
    for (const op of ops) {
      const m = this.member(op.artifact);
      if (op.action === "Admit") {
        if (op.weight === 0n) throw new ModelRevert("ZeroWeight");
        if (m.weight !== 0n) throw new ModelRevert("AlreadyMember");
        this.checkAdmissible(op.artifact);
        m.weight = op.weight;
        this.totalWeight += op.weight;
        continue;
      }
      if (m.weight === 0n) throw new ModelRevert("NotMember");
      const weight = op.action === "Remove" ? 0n : op.weight;
      if (op.action === "SetWeight" && weight === 0n) throw new ModelRevert("ZeroWeight");
      if (this.artifact(op.artifact).upstreamBps !== 0n) this.settleOne(op.artifact);
      this.totalWeight += weight - m.weight;
      m.weight = weight;
    }
    // What was carried goes to the members the change leaves.
    this.distribute(now);
  }

  // ── funding ────────────────────────────────────────────────────────────────────────────────────────────────

  fund(amount: bigint, now: bigint): void {
    if (amount <= 0n) throw new ModelRevert("ZeroAmount");
    this.distribute(now);
    this.funded += amount;
    this.spread(new Q(amount));
  }

  fundStream(funder: string, amount: bigint, duration: bigint, cancelable: boolean, now: bigint): void {
    if (amount <= 0n) throw new ModelRevert("ZeroAmount");
    if (duration <= 0n) throw new ModelRevert("ZeroDuration");
    this.distribute(now);
    this.funded += amount;
    const same = cancelable
      ? this.streams.find(
          (s) =>
            s.cancelable &&
            !s.cancelled &&
            s.funder.toLowerCase() === funder.toLowerCase() &&
            s.start === now &&
            s.end === now + duration,
        )
      : undefined;
    // One funder's cancelable streams with one schedule are one stream of the sum.
    if (same) same.amount += amount;
    else this.streams.push({ funder, amount, start: now, end: now + duration, cancelable, cancelled: false });
  }

  /** Cancels `funder`'s cancelable stream (start, end); returns the refund. */
  cancelStream(funder: string, start: bigint, end: bigint, now: bigint): bigint {
    const s = this.streams.find(
      (x) =>
        x.cancelable &&
        !x.cancelled &&
        x.funder.toLowerCase() === funder.toLowerCase() &&
        x.start === start &&
        x.end === end,
    );
    if (!s) throw new ModelRevert("UnknownStream");
    if (now >= end) throw new ModelRevert("StreamEnded");
    this.distribute(now);
    const rate = (s.amount * RATE_SCALE) / (end - start);
    const scaled = rate * (now - start);
    const released = (scaled + RATE_SCALE - 1n) / RATE_SCALE;
    const refund = s.amount - released;
    // The exact release went to the members; what the rounding up adds joins the carry.
    const exact = new Q(s.amount * (now - start), end - start);
    this.carried = this.carried.add(new Q(released).sub(exact));
    s.cancelled = true;
    this.refunded += refund;
    return refund;
  }

  // ── settlement and claims ──────────────────────────────────────────────────────────────────────────────────

  settle(ids: readonly string[], levels: number, now: bigint): void {
    if (levels < 1 || levels > 8) throw new ModelRevert("InvalidLevels");
    this.distribute(now);
    let frontier = [...ids];
    for (let level = 0; level < levels && frontier.length > 0; level++) {
      const reached: string[] = [];
      for (const id of frontier) {
        if (!this.members.has(id)) continue;
        for (const p of this.settleOne(id)) if (!reached.includes(p)) reached.push(p);
      }
      frontier = reached;
    }
  }

  /** Exact entitlement of a slot, minus what it was paid (may be a hair below 0 if the chain paid a rounding up). */
  claimable(id: string, slot: number): Q {
    const a = this.artifact(id);
    const m = this.members.get(id);
    if (!m) return Q.ZERO;
    let earned = m.earned;
    if (a.parents.length > 0 && !m.pendingUpstream.isZero()) {
      const retracted = BigInt(a.parents.filter((p) => this.artifact(p).retracted).length);
      earned = earned.add(m.pendingUpstream.mul(retracted).div(BigInt(a.parents.length)));
    }
    return earned.mul(a.shares[slot]).div(a.totalShares).sub(m.claimed[slot]);
  }

  /**
   * `claimant` claims `targets` in order, at most `max` in total: targets past the point where the total reaches
   * `max` are not touched. Each target with upstream settles first (one lineage step). Returns the exact amount each
   * touched target was owed; records `paid[i]` (what the chain paid) or, without it, the floor of that, capped.
   */
  claim(
    claimant: string,
    targets: readonly ClaimTarget[],
    now: bigint,
    paid?: readonly bigint[],
    max: bigint = (1n << 256n) - 1n,
  ): Q[] {
    for (const t of targets) {
      const a = this.artifact(t.artifact);
      if (a.holders[t.slot]?.toLowerCase() !== claimant.toLowerCase())
        throw new ModelRevert("NotContributor");
    }
    this.distribute(now);
    const owed: Q[] = [];
    let total = 0n;
    for (const [i, t] of targets.entries()) {
      if (total >= max) break;
      if (this.artifact(t.artifact).upstreamBps !== 0n && this.members.has(t.artifact))
        this.settleOne(t.artifact);
      const due = this.claimable(t.artifact, t.slot);
      owed.push(due);
      let amount = paid ? paid[i] : due.cmp(0n) > 0 ? due.floor() : 0n;
      if (amount > max - total) amount = max - total;
      if (amount !== 0n) this.member(t.artifact).claimed[t.slot] += amount;
      total += amount;
    }
    if (paid && total === 0n) throw new Error("a claim that paid nothing reverts on chain; do not record it");
    this.paid += total;
    return owed;
  }

  // ── totals ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Σ claimable over every slot of every artifact the pool has met. */
  totalClaimable(): Q {
    let sum = Q.ZERO;
    for (const id of this.members.keys()) {
      const a = this.artifact(id);
      for (let s = 0; s < a.shares.length; s++) sum = sum.add(this.claimable(id, s));
    }
    return sum;
  }

  /** Σ upstream amounts still waiting for a settlement (less what retracted parents would leave with the child). */
  totalPendingUpstream(): Q {
    let sum = Q.ZERO;
    for (const [id, m] of this.members) {
      const a = this.artifact(id);
      const live = BigInt(a.parents.filter((p) => !this.artifact(p).retracted).length);
      if (a.parents.length > 0) sum = sum.add(m.pendingUpstream.mul(live).div(BigInt(a.parents.length)));
      else sum = sum.add(m.pendingUpstream);
    }
    return sum;
  }

  /** The model's own conservation law: funded − refunded = paid + claimable + pending + carried + unreleased. */
  checkConservation(): void {
    const accounted = this.totalClaimable()
      .add(this.paid)
      .add(this.totalPendingUpstream())
      .add(this.carried)
      .add(this.streaming);
    if (accounted.cmp(this.funded - this.refunded) !== 0) {
      throw new Error(
        `model conservation broken: funded ${this.funded} − refunded ${this.refunded}, accounted ${accounted}`,
      );
    }
  }
}

/** The registry side (slot holders, retractions) and every pool. */
export class CommonsModel {
  readonly artifacts = new Map<string, ArtifactModel>();
  readonly pools: PoolModel[] = [];

  constructor(artifacts: readonly ArtifactModel[]) {
    for (const a of artifacts) {
      for (const p of a.parents) if (!this.artifacts.has(p)) throw new Error(`parent ${p} must come first`);
      this.artifacts.set(a.id, a);
    }
  }

  createPool(now: bigint, curationDelay = 0n): PoolModel {
    const p = new PoolModel(this.artifacts, now, curationDelay);
    this.pools.push(p);
    return p;
  }

  retract(id: string): void {
    const a = this.artifacts.get(id);
    if (!a) throw new ModelRevert("UnknownArtifact");
    if (a.retracted) throw new ModelRevert("AlreadyRetracted");
    a.retracted = true;
  }

  /** Slot `slot` of `id` moves from `from` to `to`; its share and claimed amounts follow it, in every pool. */
  moveSlot(id: string, slot: number, from: string, to: string): void {
    const a = this.artifacts.get(id);
    if (!a) throw new ModelRevert("UnknownArtifact");
    if (slot >= a.holders.length) throw new ModelRevert("UnknownSlot");
    if (a.holders[slot].toLowerCase() !== from.toLowerCase()) throw new ModelRevert("NotSlotHolder");
    if (/^0x0{40}$/i.test(to)) throw new ModelRevert("MoveToZeroAddress");
    if (a.holders.some((h) => h.toLowerCase() === to.toLowerCase()))
      throw new ModelRevert("AlreadyContributor");
    a.holders[slot] = to;
  }

  /** The slots `account` holds, over all artifacts, in registration order. */
  slotsOf(account: string): ClaimTarget[] {
    const out: ClaimTarget[] = [];
    for (const a of this.artifacts.values()) {
      a.holders.forEach((h, slot) => {
        if (h.toLowerCase() === account.toLowerCase()) out.push({ artifact: a.id, slot });
      });
    }
    return out;
  }
}
