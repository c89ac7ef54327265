/**
 * Reference model of RewardPools accounting, written from the specification (DESIGN.md, IRewardPools NatSpec,
 * issue 4), not from the contract. Exact rational arithmetic throughout: the model never rounds, so comparing it
 * with the chain measures the contract's rounding and nothing else.
 *
 * Spec, as modelled:
 * - A pool has members with positive integer weights, total W. `fund(x)` distributes x at once by weight;
 *   `fundStream(x, d)` releases linearly over d seconds from now, and the unreleased remainder of a running stream
 *   joins x over the new duration. While W = 0, released or funded amounts are carried; the carry joins the next
 *   distribution made while W > 0 (fund, fundStream, admit, setWeight, remove, settle; a claim makes none).
 * - What an artifact earns is split: upstreamBps/10000 waits for the artifact's next settlement, then flows to its
 *   parents in equal parts; the rest belongs to its contributors at once, in proportion to their shares. A parent
 *   splits what it receives by its own upstreamBps the same way. Parents need not be members.
 * - An artifact with parents is settled by a claim on it, by a weight change or removal, and by `settle`.
 * - A slot's claimable = share/totalShares of its artifact's contributors' earnings, minus what it claimed.
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

/** Too close to a revert boundary to predict: the chain may revert with `errorName` or succeed. */
export class ModelAmbiguous extends Error {
  constructor(readonly errorName: string) {
    super(`model cannot tell whether the chain reverts with ${errorName}`);
  }
}

/** Immutable facts of a registered artifact plus the current holders of its contributor slots. */
export class ArtifactModel {
  readonly totalShares: bigint;
  readonly holders: string[];

  constructor(
    readonly id: string,
    readonly parents: readonly string[],
    readonly upstreamBps: bigint,
    readonly shares: readonly bigint[],
    holders: readonly string[],
  ) {
    if (shares.length !== holders.length || shares.length === 0) throw new Error("bad contributors");
    if (upstreamBps < 0n || upstreamBps > BPS || (parents.length === 0 && upstreamBps !== 0n)) {
      throw new Error("bad upstreamBps");
    }
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

export class PoolModel {
  totalWeight = 0n;
  carried: Q = Q.ZERO;
  streamRemaining: Q = Q.ZERO;
  streamEnd = 0n;
  lastUpdate: bigint;
  funded = 0n;
  paid = 0n;
  readonly members = new Map<string, MemberModel>();

  constructor(
    readonly artifacts: ReadonlyMap<string, ArtifactModel>,
    now: bigint,
  ) {
    this.lastUpdate = now;
  }

  clone(): PoolModel {
    const p = new PoolModel(this.artifacts, this.lastUpdate);
    p.totalWeight = this.totalWeight;
    p.carried = this.carried;
    p.streamRemaining = this.streamRemaining;
    p.streamEnd = this.streamEnd;
    p.funded = this.funded;
    p.paid = this.paid;
    for (const [k, m] of this.members) p.members.set(k, m.clone());
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

  /** Releases the stream linearly up to `now`: to the members by weight, or into the carry while W = 0. */
  advanceTime(now: bigint): void {
    if (now < this.lastUpdate) throw new Error(`model time runs backwards: ${now} < ${this.lastUpdate}`);
    if (now === this.lastUpdate) return;
    if (!this.streamRemaining.isZero()) {
      const released =
        now >= this.streamEnd
          ? this.streamRemaining
          : this.streamRemaining.mul(now - this.lastUpdate).div(this.streamEnd - this.lastUpdate);
      this.streamRemaining = this.streamRemaining.sub(released);
      this.spread(released);
    }
    this.lastUpdate = now;
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

  /** A distribution point: the stream up to now plus `amount` plus, if W > 0, the carry. */
  private distribute(now: bigint, amount: bigint): void {
    this.advanceTime(now);
    if (this.totalWeight === 0n) {
      this.carried = this.carried.add(amount);
      return;
    }
    const total = this.carried.add(amount);
    this.carried = Q.ZERO;
    this.spread(total);
  }

  /** Moves `id`'s pending upstream one lineage step: equal parts to each parent. */
  private settleOne(id: string): void {
    const a = this.artifact(id);
    const m = this.member(id);
    if (a.parents.length === 0 || m.pendingUpstream.isZero()) return;
    const part = m.pendingUpstream.div(BigInt(a.parents.length));
    m.pendingUpstream = Q.ZERO;
    for (const p of a.parents) this.earn(p, part);
  }

  // ── curation ───────────────────────────────────────────────────────────────────────────────────────────────

  admit(id: string, weight: bigint, now: bigint): void {
    if (weight <= 0n) throw new ModelRevert("ZeroWeight");
    this.artifact(id);
    if (this.member(id).weight !== 0n) throw new ModelRevert("AlreadyMember");
    this.distribute(now, 0n);
    this.member(id).weight = weight;
    this.totalWeight += weight;
  }

  setWeight(id: string, weight: bigint, now: bigint): void {
    if (weight <= 0n) throw new ModelRevert("ZeroWeight");
    this.reweigh(id, weight, now);
  }

  remove(id: string, now: bigint): void {
    this.reweigh(id, 0n, now);
  }

  private reweigh(id: string, weight: bigint, now: bigint): void {
    const m = this.members.get(id);
    if (!m || m.weight === 0n) throw new ModelRevert("NotMember");
    this.distribute(now, 0n);
    this.settleOne(id);
    this.totalWeight += weight - m.weight;
    m.weight = weight;
  }

  // ── funding ────────────────────────────────────────────────────────────────────────────────────────────────

  fund(amount: bigint, now: bigint): void {
    if (amount <= 0n) throw new ModelRevert("ZeroAmount");
    this.distribute(now, amount);
    this.funded += amount;
  }

  /**
   * Spec: a top-up of a running stream may not end it sooner nor release it more slowly, i.e.
   * (unreleased + amount) / (newEnd - now) ≥ unreleased / (end - now). The chain measures `unreleased` after its
   * own rounded releases, a few wei above this exact value, so within `slackWei` (scaled by the duration ratio) of
   * the boundary the outcome is not predictable and the model says so with `ModelAmbiguous`.
   */
  fundStream(amount: bigint, duration: bigint, now: bigint, slackWei = 0n, checkTopUp = true): void {
    if (amount <= 0n) throw new ModelRevert("ZeroAmount");
    if (duration <= 0n) throw new ModelRevert("ZeroDuration");
    this.distribute(now, 0n);
    const newEnd = now + duration;
    if (checkTopUp && !this.streamRemaining.isZero() && this.streamEnd > now) {
      if (newEnd < this.streamEnd) throw new ModelRevert("StreamEndsEarlier");
      const ratio = new Q(newEnd - now, this.streamEnd - now);
      const keepsRate = this.streamRemaining.mul(ratio);
      const margin = this.streamRemaining.add(amount).sub(keepsRate);
      const band = ratio.mul(slackWei + 1n);
      if (margin.cmp(band.mul(-1n)) < 0) throw new ModelRevert("StreamTopUpTooSmall");
      if (margin.cmp(band) <= 0) throw new ModelAmbiguous("StreamTopUpTooSmall");
    }
    this.streamRemaining = this.streamRemaining.add(amount);
    this.streamEnd = newEnd;
    this.funded += amount;
  }

  // ── settlement and claims ──────────────────────────────────────────────────────────────────────────────────

  settle(ids: readonly string[], now: bigint): void {
    this.distribute(now, 0n);
    for (const id of ids) this.settleOne(id);
  }

  /** Exact entitlement of a slot, minus what it was paid (may be a hair below 0 if the chain paid a rounding up). */
  claimable(id: string, slot: number): Q {
    const a = this.artifact(id);
    const m = this.member(id);
    return m.earned.mul(a.shares[slot]).div(a.totalShares).sub(m.claimed[slot]);
  }

  /**
   * `claimant` claims `targets` in order. Each target with parents settles first (one lineage step). Returns the
   * exact amount each target was owed; records `paid[i]` (what the chain paid) or, without it, the floor of that.
   */
  claim(claimant: string, targets: readonly ClaimTarget[], now: bigint, paid?: readonly bigint[]): Q[] {
    for (const t of targets) {
      const a = this.artifact(t.artifact);
      if (a.holders[t.slot]?.toLowerCase() !== claimant.toLowerCase())
        throw new ModelRevert("NotContributor");
    }
    this.advanceTime(now);
    const owed: Q[] = [];
    let total = 0n;
    targets.forEach((t, i) => {
      if (this.artifact(t.artifact).parents.length !== 0) this.settleOne(t.artifact);
      const due = this.claimable(t.artifact, t.slot);
      owed.push(due);
      const amount = paid ? paid[i] : due.cmp(0n) > 0 ? due.floor() : 0n;
      this.member(t.artifact).claimed[t.slot] += amount;
      total += amount;
    });
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

  /** Σ upstream amounts still waiting for a settlement. */
  totalPendingUpstream(): Q {
    let sum = Q.ZERO;
    for (const m of this.members.values()) sum = sum.add(m.pendingUpstream);
    return sum;
  }

  /** The model's own conservation law: funded = paid + claimable + pending upstream + carried + unreleased. */
  checkConservation(): void {
    const accounted = this.totalClaimable()
      .add(this.paid)
      .add(this.totalPendingUpstream())
      .add(this.carried)
      .add(this.streamRemaining);
    if (accounted.cmp(this.funded) !== 0) {
      throw new Error(`model conservation broken: funded ${this.funded}, accounted ${accounted}`);
    }
  }
}

/** The registry side (slot holders) and every pool. */
export class CommonsModel {
  readonly artifacts = new Map<string, ArtifactModel>();
  readonly pools: PoolModel[] = [];

  constructor(artifacts: readonly ArtifactModel[]) {
    for (const a of artifacts) {
      for (const p of a.parents) if (!this.artifacts.has(p)) throw new Error(`parent ${p} must come first`);
      this.artifacts.set(a.id, a);
    }
  }

  createPool(now: bigint): PoolModel {
    const p = new PoolModel(this.artifacts, now);
    this.pools.push(p);
    return p;
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
