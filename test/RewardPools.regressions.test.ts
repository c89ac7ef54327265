/**
 * Issue 9, "What is broken today": each reviewer's attack replayed against the new RewardPools, with the exact
 * amounts that hold now. Amounts are computed by `Model`, an independent re-statement of the pool arithmetic
 * (rate in 2^-32 units, index in 2^-40 units per weight, leftovers carried), not read back from the contract.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

import {
  SCALE,
  createPool,
  deploySuite,
  registerArtifact,
  registrationOf,
  signClaim,
  streamIdOf,
  target,
  tokens,
} from "./helpers/pools";
import { deployRegistry, registeredArgs } from "./helpers/registry";
import type { MockERC20, ReentrantToken, RewardPools } from "../typechain-types";

const RATE_SCALE = 1n << 32n;
const DAY = 86_400n;
const YEAR = 365n * DAY;
const MAX_WEIGHT = 2n ** 32n - 1n;

/** The pool arithmetic of RewardPools for artifacts without parents and one-contributor artifacts. */
class Model {
  index = 0n;
  rate = 0n;
  rateDust = 0n;
  carried = 0n;
  streaming = 0n;
  totalWeight = 0n;
  ends = new Map<bigint, { drop: bigint; dust: bigint }>();
  weight = new Map<string, bigint>();
  checkpoint = new Map<string, bigint>();
  earned = new Map<string, bigint>();

  constructor(public lastUpdate: bigint) {}

  static distribute(amount: bigint, totalWeight: bigint): [bigint, bigint] {
    if (totalWeight === 0n) return [0n, amount];
    const delta = (amount * SCALE) / totalWeight;
    const consumed = (delta * totalWeight + SCALE - 1n) / SCALE;
    return [delta, amount - consumed];
  }

  /** `_accrue` at `t` (fewer than 32 ends due). */
  accrue(t: bigint): void {
    let scaled = this.rateDust;
    for (const end of [...this.ends.keys()].sort((a, b) => (a < b ? -1 : 1))) {
      if (end > t) break;
      const entry = this.ends.get(end)!;
      scaled += this.rate * (end - this.lastUpdate) + entry.dust;
      this.rate -= entry.drop;
      this.lastUpdate = end;
      this.ends.delete(end);
    }
    scaled += this.rate * (t - this.lastUpdate);
    this.lastUpdate = t;
    const released = scaled / RATE_SCALE;
    this.rateDust = scaled % RATE_SCALE;
    this.streaming -= released;
    const [delta, leftover] = Model.distribute(released + this.carried, this.totalWeight);
    this.index += delta;
    this.carried = leftover;
  }

  /** The index a claim at `t` uses: stored accrual if an end is due, else the virtual index. */
  claimIndex(t: bigint): bigint {
    if ([...this.ends.keys()].some((end) => end <= t)) {
      this.accrue(t);
      return this.index;
    }
    if (this.rate === 0n || this.totalWeight === 0n) return this.index;
    const released = (this.rateDust + this.rate * (t - this.lastUpdate)) / RATE_SCALE;
    return this.index + Model.distribute(released, this.totalWeight)[0];
  }

  stream(t: bigint, amount: bigint, duration: bigint): void {
    this.accrue(t);
    const rate = (amount * RATE_SCALE) / duration;
    const entry = this.ends.get(t + duration) ?? { drop: 0n, dust: 0n };
    entry.drop += rate;
    entry.dust += amount * RATE_SCALE - rate * duration;
    this.ends.set(t + duration, entry);
    this.rate += rate;
    this.streaming += amount;
  }

  fund(amount: bigint): void {
    const [delta, leftover] = Model.distribute(amount + this.carried, this.totalWeight);
    this.index += delta;
    this.carried = leftover;
  }

  private settle(artifact: string): void {
    const w = this.weight.get(artifact) ?? 0n;
    const cp = this.checkpoint.get(artifact) ?? this.index;
    this.earned.set(artifact, (this.earned.get(artifact) ?? 0n) + w * (this.index - cp));
    this.checkpoint.set(artifact, this.index);
  }

  /** One curation change at `t`: [artifact, new weight] (0 removes), then the carried funds are shared. */
  curate(t: bigint, ops: [string, bigint][]): void {
    this.accrue(t);
    for (const [artifact, w] of ops) {
      this.settle(artifact);
      this.totalWeight += w - (this.weight.get(artifact) ?? 0n);
      this.weight.set(artifact, w);
    }
    if (this.carried !== 0n && this.totalWeight !== 0n) this.fund(0n);
  }

  /** Whole token units the single contributor of `artifact` is owed in total at `index`. */
  owed(artifact: string, index: bigint): bigint {
    const w = this.weight.get(artifact) ?? 0n;
    const cp = this.checkpoint.get(artifact) ?? index;
    return ((this.earned.get(artifact) ?? 0n) + w * (index - cp)) / SCALE;
  }
}

/** The pool's event names in a receipt, in order. */
function eventsOf(pools: RewardPools, receipt: ContractTransactionReceipt | null): string[] {
  const address = (pools.target as string).toLowerCase();
  return receipt!.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => pools.interface.parseLog(log)!.name);
}

async function eventsOfTx(pools: RewardPools, tx: Promise<ContractTransactionResponse>): Promise<string[]> {
  return eventsOf(pools, await (await tx).wait());
}

/** Sends `sends` into one block, in order. */
async function oneBlock(timestamp: bigint, sends: (() => Promise<ContractTransactionResponse>)[]) {
  await network.provider.send("evm_setAutomine", [false]);
  const txs: ContractTransactionResponse[] = [];
  try {
    for (const send of sends) txs.push(await send());
    await time.setNextBlockTimestamp(timestamp);
    await network.provider.send("evm_mine", []);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  return Promise.all(txs.map((tx) => tx.wait()));
}

async function regressionFixture() {
  const [deployer, curator, funder, alice, bob, carol, griefer, relayer] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  await token.connect(funder).approve(pools, ethers.MaxUint256);
  await token.connect(funder).transfer(curator, tokens(1_000));
  await token.connect(curator).approve(pools, ethers.MaxUint256);
  await token.connect(funder).transfer(griefer, 1_000n);
  await token.connect(griefer).approve(pools, ethers.MaxUint256);
  const one = (name: string, who: { address: string }) =>
    registerArtifact(registry, deployer, { name, contributors: [[who.address, 1]] });
  const artA = await one("reg/A", alice);
  const artB = await one("reg/B", bob);
  const artC = await registerArtifact(registry, curator, {
    name: "reg/C",
    contributors: [[curator.address, 1]],
  });
  const zero = (await ethers.deployContract("MockERC20", ["Zero", "ZERO", 0])) as unknown as MockERC20;
  await zero.mint(funder, 1_000_000n);
  await zero.connect(funder).approve(pools, ethers.MaxUint256);
  return {
    registry,
    pools,
    token,
    zero,
    deployer,
    curator,
    funder,
    alice,
    bob,
    carol,
    griefer,
    relayer,
    artA,
    artB,
    artC,
  };
}

type Fixture = Awaited<ReturnType<typeof regressionFixture>>;

/** A delay-0 pool with A (weight 1) admitted; its model; the next timestamp to use. */
async function poolWithA(f: Fixture, delay = 0n) {
  const t0 = BigInt(await time.latest()) + 10n;
  await time.setNextBlockTimestamp(t0);
  const poolId = await createPool(f.pools, f.curator, f.token, f.curator, delay);
  const model = new Model(t0);
  if (delay === 0n) {
    await time.setNextBlockTimestamp(t0 + 1n);
    await f.pools.connect(f.curator).admit(poolId, f.artA, 1);
    model.curate(t0 + 1n, [[f.artA, 1n]]);
  }
  return { poolId, model, t: t0 + 2n };
}

describe("RewardPools: issue 9 regressions", function () {
  describe("1. curator capture", function () {
    it("weight 2^32−1 plus the curator's own 1-wei 1-s stream cannot speed up a third party's 1,000,000-token one-year stream", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, funder, artA, artC } = f;
      const { poolId, model, t } = await poolWithA(f);
      await time.setNextBlockTimestamp(t);
      await pools.connect(funder).fundStream(poolId, tokens(1_000_000), YEAR, false, 0);
      model.stream(t, tokens(1_000_000), YEAR);

      const ta = t + 30n * DAY;
      await time.setNextBlockTimestamp(ta);
      await pools.connect(curator).admit(poolId, artC, MAX_WEIGHT);
      model.curate(ta, [[artC, MAX_WEIGHT]]);
      await time.setNextBlockTimestamp(ta + 1n);
      await pools.connect(curator).fundStream(poolId, 1n, 1n, false, 0);
      model.stream(ta + 1n, 1n, 1n);
      await time.setNextBlockTimestamp(ta + 2n);
      const claimTx = pools.connect(curator).claim(poolId, [target(artC)], curator);
      const expected = model.owed(artC, model.claimIndex(ta + 2n));
      // The schedule released 2 s of the victim's stream (≈ 0.0634 tokens) and the 1 wei; C got its weight's share.
      expect(expected).to.equal(63_419_583_952_763_151n);
      await expect(claimTx).to.changeTokenBalances(f.token, [curator, pools], [expected, -expected]);
      // The victim's stream is untouched: what it has not released stays unreleased.
      const view = await pools.pool(poolId);
      expect(view.streaming).to.equal(model.streaming);
      expect(view.rate).to.equal((tokens(1_000_000) * RATE_SCALE) / YEAR);
      expect(view.nextStreamEnd).to.equal(t + YEAR);
    });

    it("with a curation delay, admit(self) → victim's fund → remove(self) is only announced; the fund goes to the members of funding time", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, funder, alice, bob, artA, artC, token } = f;
      const { poolId, t } = await poolWithA(f, DAY);
      await time.setNextBlockTimestamp(t);
      await pools.connect(curator).admit(poolId, artA, 1);
      await time.setNextBlockTimestamp(t + DAY);
      await pools.connect(bob).executeChange(poolId, 1);

      const ta = t + DAY + 10n;
      await time.setNextBlockTimestamp(ta);
      await expect(pools.connect(curator).admit(poolId, artC, Number(MAX_WEIGHT)))
        .to.emit(pools, "CurationAnnounced")
        .withArgs(poolId, 2n, ta + DAY, [[artC, MAX_WEIGHT, 0n]]);
      await expect(pools.connect(funder).fund(poolId, tokens(1_000_000)))
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, funder.address, tokens(1_000_000), tokens(1_000_000));
      await expect(pools.connect(curator).remove(poolId, artC))
        .to.emit(pools, "CurationAnnounced")
        .withArgs(poolId, 3n, ta + 2n + DAY, [[artC, 0n, 2n]]);
      await expect(pools.connect(bob).executeChange(poolId, 2))
        .to.be.revertedWithCustomError(pools, "ChangeNotDue")
        .withArgs(2n, ta + DAY);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(1_000_000));
      await time.setNextBlockTimestamp(ta + DAY);
      await pools.connect(bob).executeChange(poolId, 2);
      expect(await pools.claimable(poolId, artC, curator)).to.equal(0n);
      await expect(pools.connect(curator).claim(poolId, [target(artC)], curator))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, curator.address);
      await expect(pools.connect(alice).claim(poolId, [target(artA)], alice)).to.changeTokenBalances(
        token,
        [alice, pools],
        [tokens(1_000_000), -tokens(1_000_000)],
      );
    });

    it("the curator's honest 10-token 1-day stream does not squeeze another funder's one-year stream", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, funder, alice, artA } = f;
      const { poolId, model, t } = await poolWithA(f);
      await time.setNextBlockTimestamp(t);
      await pools.connect(funder).fundStream(poolId, tokens(1_000_000), YEAR, false, 0);
      model.stream(t, tokens(1_000_000), YEAR);
      await time.setNextBlockTimestamp(t + 1n);
      await pools.connect(curator).fundStream(poolId, tokens(10), DAY, false, 0);
      model.stream(t + 1n, tokens(10), DAY);
      await time.setNextBlockTimestamp(t + 1n + DAY);
      await pools.accrue(poolId);
      model.accrue(t + 1n + DAY);
      // One day in: the curator's stream released all its 10 tokens, the funder's exactly its own schedule,
      // floor(rate × elapsed), nothing sooner.
      const rateV = (tokens(1_000_000) * RATE_SCALE) / YEAR;
      expect(model.streaming).to.equal(tokens(1_000_000) - (rateV * (DAY + 1n)) / RATE_SCALE);
      const view = await pools.pool(poolId);
      expect(view.streaming).to.equal(model.streaming);
      expect(view.rate).to.equal((tokens(1_000_000) * RATE_SCALE) / YEAR);
      expect(view.nextStreamEnd).to.equal(t + YEAR);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(model.owed(artA, model.index));
    });

    it("with delay 0 the curator is trusted, as documented: it redirects all future flow at once", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, funder, alice, artA, artC } = f;
      const { poolId, model, t } = await poolWithA(f);
      await time.setNextBlockTimestamp(t);
      await pools.connect(funder).fundStream(poolId, tokens(1_000_000), YEAR, false, 0);
      model.stream(t, tokens(1_000_000), YEAR);
      await time.setNextBlockTimestamp(t + DAY);
      await pools.connect(curator).admit(poolId, artC, 1);
      model.curate(t + DAY, [[artC, 1n]]);
      await time.setNextBlockTimestamp(t + DAY + 1n);
      await pools.connect(curator).remove(poolId, artA);
      model.curate(t + DAY + 1n, [[artA, 0n]]);
      await time.setNextBlockTimestamp(t + 200n * DAY);
      await pools.accrue(poolId);
      model.accrue(t + 200n * DAY);
      const aliceOwed = model.owed(artA, model.index);
      const curatorOwed = model.owed(artC, model.index);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(aliceOwed);
      expect(await pools.claimable(poolId, artC, curator)).to.equal(curatorOwed);
      // A earned one day; C everything after.
      expect(aliceOwed).to.equal(2_739_741_882_293_252_156_265n);
      expect(curatorOwed).to.be.gt(tokens(540_000));
    });
  });

  describe("2. one schedule per stream: a griefer cannot block or reshape a funder's stream", function () {
    it("a 1-wei five-year stream and a same-block front-run neither revert nor change a 30-day stream", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, funder, griefer, alice, artA, token } = f;
      const { poolId, model, t } = await poolWithA(f);
      await time.setNextBlockTimestamp(t);
      await pools.connect(griefer).fundStream(poolId, 1n, 5n * YEAR, false, 0);
      model.stream(t, 1n, 5n * YEAR);
      const [grief, funding] = await oneBlock(t + 10n, [
        () => pools.connect(griefer).fundStream(poolId, 1n, 5n * YEAR - 1n, false, 0, { gasLimit: 300_000 }),
        () =>
          pools
            .connect(funder)
            .fundStream(poolId, tokens(30_000), 30n * DAY, false, 0, { gasLimit: 300_000 }),
      ]);
      expect(grief!.status).to.equal(1);
      expect(funding!.status).to.equal(1);
      model.stream(t + 10n, 1n, 5n * YEAR - 1n);
      model.stream(t + 10n, tokens(30_000), 30n * DAY);
      expect(await pools.streamEnd(poolId, t + 10n + 30n * DAY)).to.deep.equal([
        true,
        t + 5n * YEAR,
        (tokens(30_000) * RATE_SCALE) / (30n * DAY),
        tokens(30_000) * RATE_SCALE - ((tokens(30_000) * RATE_SCALE) / (30n * DAY)) * 30n * DAY,
      ]);
      // At its end the funder's stream has released exactly its 30,000 tokens, plus the griefer's 2 wei' share.
      await time.setNextBlockTimestamp(t + 10n + 30n * DAY);
      await pools.accrue(poolId);
      model.accrue(t + 10n + 30n * DAY);
      expect(model.streaming).to.equal(2n);
      expect((await pools.pool(poolId)).streaming).to.equal(2n);
      await expect(pools.connect(alice).claim(poolId, [target(artA)], alice)).to.changeTokenBalance(
        token,
        alice,
        tokens(30_000),
      );
      // The griefer spent 2 wei and its gas; the funder paid nothing extra.
      expect(await token.balanceOf(griefer)).to.equal(998n);
      // Instrumented code (coverage) costs more gas; the budget holds for the compiled contract.
      if (!process.env.SOLIDITY_COVERAGE) expect(funding!.gasUsed).to.be.lte(110_000n);
    });
  });

  describe("3. pokes do not freeze streams", function () {
    it("0 decimals, 1,000 units over 30 days: settle every 30 minutes for 9 days releases what no pokes release", async function () {
      this.timeout(300_000);
      const f = await loadFixture(regressionFixture);
      const { pools, zero, funder, curator, carol, alice, bob, artA, artB } = f;
      const t0 = BigInt(await time.latest()) + 10n;
      const quiet = await createPool(pools, carol, zero, curator, 0);
      const poked = quiet + 1n;
      await pools.connect(carol).createPool(zero, curator, 0);
      for (const poolId of [quiet, poked]) {
        await pools.connect(curator).admitMany(poolId, [artA, artB], [1, 1]);
      }
      await oneBlock(t0, [
        () => pools.connect(funder).fundStream(quiet, 1000n, 30n * DAY, false, 0),
        () => pools.connect(funder).fundStream(poked, 1000n, 30n * DAY, false, 0),
      ]);
      for (let t = t0 + 1800n; t < t0 + 9n * DAY; t += 1800n) {
        await time.setNextBlockTimestamp(t);
        await pools.settle(poked, [artA], 1);
      }
      const day9 = t0 + 9n * DAY;
      await oneBlock(day9, [
        () => pools.connect(curator).remove(quiet, artB),
        () => pools.connect(curator).remove(poked, artB),
      ]);
      // floor(rate × 9 days) with rate = floor(1000 × 2^32 / 30 days): 299 units (300 less the rate's rounding).
      const rate = (1000n * RATE_SCALE) / (30n * DAY);
      expect((rate * 9n * DAY) / RATE_SCALE).to.equal(299n);
      for (const poolId of [quiet, poked]) {
        const view = await pools.pool(poolId);
        expect(view.streaming, `pool ${poolId}`).to.equal(1000n - 299n);
        // B, rotated out on day 9, earned exactly half of 299: 149.5 units, of which 149 whole are claimable.
        expect((await pools.member(poolId, artB)).earnedScaled, `pool ${poolId}`).to.equal(
          (299n * SCALE) / 2n,
        );
        expect(await pools.claimable(poolId, artB, bob), `pool ${poolId}`).to.equal(149n);
        expect(await pools.claimable(poolId, artA, alice), `pool ${poolId}`).to.equal(149n);
        expect(view.carried, `pool ${poolId}`).to.equal(0n);
      }
      await expect(pools.connect(bob).claim(poked, [target(artB)], bob)).to.changeTokenBalances(
        zero,
        [bob, pools],
        [149n, -149n],
      );
    });
  });

  describe("4. carried funds reach members by themselves", function () {
    it("1,000 funded into an empty pool, then admitMany([A, B], [3, 1]): A claims 750 with no other call", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, zero, funder, curator, carol, alice, bob, artA, artB } = f;
      const poolId = await createPool(pools, carol, zero, curator, 0);
      await pools.connect(funder).fund(poolId, 1000n);
      expect((await pools.pool(poolId)).carried).to.equal(1000n);
      await pools.connect(curator).admitMany(poolId, [artA, artB], [3, 1]);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(750n);
      expect(await pools.claimable(poolId, artB, bob)).to.equal(250n);
      await expect(pools.connect(alice).claim(poolId, [target(artA)], alice)).to.changeTokenBalances(
        zero,
        [alice, pools],
        [750n, -750n],
      );
    });

    it("a stream that ran while the pool was empty: its release reaches the first members", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, zero, funder, curator, carol, alice, bob, artA, artB } = f;
      const t0 = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(t0);
      const poolId = await createPool(pools, carol, zero, curator, 0);
      await time.setNextBlockTimestamp(t0 + 1n);
      await pools.connect(funder).fundStream(poolId, 1000n, 1000n, false, 0);
      await time.setNextBlockTimestamp(t0 + 501n);
      await pools.connect(curator).admitMany(poolId, [artA, artB], [3, 1]);
      // 500 of 1,000 s: 500 units released (the rate 1 unit/s is exact), shared 3 : 1 at once.
      expect(await pools.claimable(poolId, artA, alice)).to.equal(375n);
      expect(await pools.claimable(poolId, artB, bob)).to.equal(125n);
      await time.setNextBlockTimestamp(t0 + 502n);
      await expect(pools.connect(alice).claim(poolId, [target(artA)], alice)).to.changeTokenBalances(
        zero,
        [alice, pools],
        [375n, -375n],
      );
    });
  });

  describe("5. a retracted parent stops earning", function () {
    it("what it was owed stays claimable; later flow stays with the child", async function () {
      const f = await loadFixture(regressionFixture);
      const { registry, pools, zero, funder, curator, carol, deployer, alice, bob } = f;
      const parent = await registerArtifact(registry, deployer, { name: "reg/P", contributors: [[bob, 1]] });
      const child = await registerArtifact(registry, deployer, {
        name: "reg/K",
        contributors: [[alice, 1]],
        parents: [parent],
        upstreamBps: 2000,
      });
      const poolId = await createPool(pools, carol, zero, curator, 0);
      await pools.connect(curator).admit(poolId, child, 1);
      await pools.connect(funder).fund(poolId, 1000n);
      await expect(pools.settle(poolId, [child], 1))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, child, parent, 200n * SCALE);
      expect(await pools.claimable(poolId, parent, bob)).to.equal(200n);
      await registry.connect(deployer).retract(parent, "withdrawn");
      await pools.connect(funder).fund(poolId, 1000n);
      await expect(pools.settle(poolId, [child], 1))
        .to.emit(pools, "UpstreamWithheld")
        .withArgs(poolId, child, parent, 200n * SCALE)
        .and.not.to.emit(pools, "UpstreamFlowed");
      expect(await pools.claimable(poolId, parent, bob)).to.equal(200n);
      expect(await pools.claimable(poolId, child, alice)).to.equal(1800n);
      await expect(pools.connect(bob).claim(poolId, [target(parent)], bob)).to.changeTokenBalance(
        zero,
        bob,
        200n,
      );
      await expect(pools.connect(alice).claim(poolId, [target(child)], alice)).to.changeTokenBalance(
        zero,
        alice,
        1800n,
      );
    });
  });

  describe("6. a signed claim is bounded and revocable", function () {
    it("a stale signature pays at most its maxAmount, and invalidateNonces voids it", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, token, funder, alice, relayer, artA } = f;
      const { poolId } = await poolWithA(f);
      const deadline = 2n ** 40n;
      const message = {
        poolId,
        targets: [target(artA)],
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: tokens(100),
        nonce: 0n,
        deadline,
      };
      const sig = await signClaim(alice, pools, message);
      const send = (sig_: string, nonce = 0n) =>
        pools
          .connect(relayer)
          .claimBySig(poolId, [target(artA)], alice, alice, tokens(100), nonce, deadline, sig_);
      // Nothing claimable: the signature is not used up, and nothing pays.
      await expect(send(sig))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, alice.address);
      await pools.connect(funder).fund(poolId, tokens(1_000));
      const paid = send(sig);
      await expect(paid).to.changeTokenBalances(token, [alice, pools], [tokens(100), -tokens(100)]);
      await expect(paid)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, alice.address, 0n, alice.address, tokens(100));
      expect(eventsOf(pools, await (await paid).wait())).to.deep.equal(["RewardsClaimed"]);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(900));

      const sig1 = await signClaim(alice, pools, { ...message, nonce: 1n });
      await expect(pools.connect(alice).invalidateNonces(2))
        .to.emit(pools, "NoncesInvalidated")
        .withArgs(alice.address, 2n);
      await expect(send(sig1, 1n))
        .to.be.revertedWithCustomError(pools, "InvalidNonce")
        .withArgs(alice.address, 2n);
    });
  });

  describe("7. every state change is in the log", function () {
    it("settle, claims, accrue, fund, stream, cancel and curation each emit their events", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, funder, alice, artA, artB, bob, token } = f;
      const { poolId, t } = await poolWithA(f);
      expect(await eventsOfTx(pools, pools.connect(funder).fund(poolId, tokens(10)))).to.deep.equal([
        "PoolFunded",
      ]);
      await time.setNextBlockTimestamp(t + 10n);
      const stream = pools.connect(funder).fundStream(poolId, tokens(1_000), DAY, true, 0);
      await expect(stream)
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(funder.address, t + 10n, t + 10n + DAY, true),
          funder.address,
          tokens(1_000),
          tokens(1_000),
          t + 10n,
          t + 10n + DAY,
          true,
        );
      // No stream ran before, so there was nothing to accrue.
      expect(eventsOf(pools, await (await stream).wait())).to.deep.equal(["StreamCreated"]);
      expect(await eventsOfTx(pools, pools.accrue(poolId))).to.deep.equal(["PoolAccrued"]);
      expect(await eventsOfTx(pools, pools.settle(poolId, [artA], 1))).to.deep.equal([
        "PoolAccrued",
        "ArtifactSettled",
      ]);
      expect(
        await eventsOfTx(pools, pools.connect(alice).claim(poolId, [target(artA)], alice)),
      ).to.deep.equal(["RewardsClaimed"]);
      expect(
        await eventsOfTx(pools, pools.connect(bob).claimFor(poolId, alice, [target(artA)])),
      ).to.deep.equal(["RewardsClaimed"]);
      expect(
        await eventsOfTx(pools, pools.connect(funder).cancelStream(poolId, t + 10n, t + 10n + DAY)),
      ).to.deep.equal(["PoolAccrued", "StreamCancelled"]);
      expect(await eventsOfTx(pools, pools.connect(curator).admit(poolId, artB, 1))).to.deep.equal([
        "PoolAccrued",
        "ArtifactAdmitted",
      ]);
      // B earned nothing since its admission (no stream ran since), so there is nothing to settle.
      expect(await eventsOfTx(pools, pools.connect(curator).setWeight(poolId, artB, 2))).to.deep.equal([
        "PoolAccrued",
        "WeightChanged",
      ]);
      expect(await eventsOfTx(pools, pools.connect(curator).remove(poolId, artB))).to.deep.equal([
        "PoolAccrued",
        "ArtifactRemoved",
      ]);
      // A claim when a stream end is due stores the accrual first.
      await pools.connect(funder).fundStream(poolId, tokens(1), 10n, false, 0);
      await time.increase(20);
      expect(
        await eventsOfTx(pools, pools.connect(alice).claim(poolId, [target(artA)], alice)),
      ).to.deep.equal(["PoolAccrued", "RewardsClaimed"]);
      // Delayed curation: announce, execute, cancel.
      const delayed = await createPool(pools, curator, token, curator, DAY);
      expect(await eventsOfTx(pools, pools.connect(curator).admit(delayed, artA, 1))).to.deep.equal([
        "CurationAnnounced",
      ]);
      expect(await eventsOfTx(pools, pools.connect(curator).admit(delayed, artB, 1))).to.deep.equal([
        "CurationAnnounced",
      ]);
      await time.increase(DAY);
      // The delayed pool has no stream, so its accrual is idle and logs nothing.
      expect(await eventsOfTx(pools, pools.connect(bob).executeChange(delayed, 1))).to.deep.equal([
        "ArtifactAdmitted",
        "CurationExecuted",
      ]);
      expect(await eventsOfTx(pools, pools.connect(curator).cancelChange(delayed, 2))).to.deep.equal([
        "CurationCancelled",
      ]);
    });
  });

  describe("8. registry: the minimum holds along a path", function () {
    it("P (min 3000) ← X ← D: X must ask ≥ 3000 of D, so P receives 900 of D's 10,000", async function () {
      const f = await loadFixture(regressionFixture);
      const { registry, pools, zero, funder, curator, carol, deployer, alice, bob } = f;
      const p = await registerArtifact(registry, deployer, {
        name: "reg/8/P",
        contributors: [[bob, 1]],
        minUpstreamBps: 3000,
      });
      const x = await registerArtifact(registry, deployer, {
        name: "reg/8/X",
        contributors: [[carol, 1]],
        parents: [p],
        upstreamBps: 3000,
        minUpstreamBps: 3000,
      });
      const laundering = await registrationOf({
        name: "reg/8/D-cheap",
        contributors: [[alice, 1]],
        parents: [x],
        upstreamBps: 1,
        minUpstreamBps: 0,
      });
      await expect(registry.connect(deployer).register(laundering))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(x, 3000, 1);
      const d = await registerArtifact(registry, deployer, {
        name: "reg/8/D",
        contributors: [[alice, 1]],
        parents: [x],
        upstreamBps: 3000,
        minUpstreamBps: 3000,
      });
      const poolId = await createPool(pools, carol, zero, curator, 0);
      await pools.connect(curator).admit(poolId, d, 1);
      await pools.connect(funder).fund(poolId, 10_000n);
      await expect(pools.settle(poolId, [d], 2))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, d, x, 3000n * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, x, p, 900n * SCALE);
      expect(await pools.claimable(poolId, p, bob)).to.equal(900n);
      expect(await pools.claimable(poolId, x, carol)).to.equal(2100n);
      expect(await pools.claimable(poolId, d, alice)).to.equal(7000n);
    });

    it("latestVersion costs the same for 1 and 20 versions, and the registration event names its commitment", async function () {
      const f = await loadFixture(regressionFixture);
      const { registry, deployer, alice } = f;
      const root = await registerArtifact(registry, deployer, { name: "reg/v0", contributors: [[alice, 1]] });
      let previous = root;
      const gasAt: bigint[] = [];
      for (let i = 1; i <= 20; i++) {
        const reg = await registrationOf({
          name: `reg/v${i}`,
          contributors: [[alice, 1]],
          parents: [previous],
        });
        await registry.connect(deployer).registerVersion(previous, reg);
        previous = reg.digest;
        if (i === 1 || i === 20) gasAt.push(await registry.latestVersion.estimateGas(root));
      }
      expect(await registry.latestVersion(root)).to.equal(previous);
      expect(gasAt[1]).to.equal(gasAt[0]);

      const guarded = await deployRegistry({ minCommitAge: 60n, maxCommitAge: 3600n });
      const secret = ethers.id("reg/8/secret");
      const reg = {
        ...(await registrationOf({ name: "reg/8/committed", contributors: [[alice, 1]] })),
        secret,
      };
      const commitment = await guarded.commitmentFor(reg.digest, deployer.address, secret);
      await guarded.connect(deployer).commit(commitment);
      await time.increase(61);
      await expect(guarded.connect(deployer).register(reg))
        .to.emit(guarded, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, deployer.address, commitment));
    });
  });
  describe("attack review: defences that hold", function () {
    it("a token hook re-entering a claim during fund reverts the whole fund", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, carol, alice, artA } = f;
      const hooked = (await ethers.deployContract("ReentrantToken")) as unknown as ReentrantToken;
      await hooked.mint(carol, 1_000n);
      await hooked.connect(carol).approve(pools, ethers.MaxUint256);
      const poolId = await createPool(pools, carol, hooked, curator, 0);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(carol).fund(poolId, 100n);
      await hooked.setHook(
        pools,
        pools.interface.encodeFunctionData("claimFor", [poolId, alice.address, [target(artA)]]),
        true,
      );
      await expect(pools.connect(carol).fund(poolId, 100n)).to.be.revertedWithCustomError(
        pools,
        "ReentrancyGuardReentrantCall",
      );
      expect(await pools.claimable(poolId, artA, alice)).to.equal(100n);
    });

    it("same-block cancelable streams of one funder merge into one stream whose cancel refunds exactly", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, zero, funder, curator, carol, artA } = f;
      const poolId = await createPool(pools, carol, zero, curator, 0);
      await pools.connect(curator).admit(poolId, artA, 1);
      const t = BigInt(await time.latest()) + 10n;
      await oneBlock(t, [
        () => pools.connect(funder).fundStream(poolId, 7n, 1000n, true, 0),
        () => pools.connect(funder).fundStream(poolId, 1000n, 1000n, true, 0),
      ]);
      const id = streamIdOf(funder.address, t, t + 1000n, true);
      expect(await pools.cancelableAmount(poolId, id)).to.equal(1007n);
      const rate = (1007n * RATE_SCALE) / 1000n;
      expect(await pools.streamEnd(poolId, t + 1000n)).to.deep.equal([
        true,
        0n,
        rate,
        1007n * RATE_SCALE - rate * 1000n,
      ]);
      await time.setNextBlockTimestamp(t + 333n);
      // released = ceil(rate × 333 / 2^32) = ceil(335.331) = 336; refund 1007 − 336.
      await expect(pools.connect(funder).cancelStream(poolId, t, t + 1000n))
        .to.emit(pools, "StreamCancelled")
        .withArgs(poolId, id, funder.address, 336n, 671n);
      expect((await pools.pool(poolId)).streaming).to.equal(0n);
    });

    it("more than MAX_ENDS_PER_ACCRUE due ends block new streams (AccrualBehind) until accrue catches up", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, token, funder, griefer } = f;
      const { poolId } = await poolWithA(f);
      const ends: bigint[] = [];
      for (let i = 0; i < 33; i++) {
        const tx = await pools.connect(griefer).fundStream(poolId, 1n, 100 + i, false, 0);
        ends.push(BigInt((await ethers.provider.getBlock(tx.blockNumber!))!.timestamp) + 100n + BigInt(i));
      }
      await time.increase(200);
      // One call processes 32 ends: it would stop at the 32nd, so a rate change must wait.
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), 1000n, false, 0))
        .to.be.revertedWithCustomError(pools, "AccrualBehind")
        .withArgs(poolId, ends[31]);
      await expect(pools.accrue(poolId)).to.emit(pools, "PoolAccrued");
      await expect(
        pools.connect(funder).fundStream(poolId, tokens(1), 1000n, false, 0),
      ).to.changeTokenBalances(token, [funder, pools], [-tokens(1), tokens(1)]);
    });

    it("a wrong hint never breaks the sorted list of ends", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, funder } = f;
      const { poolId } = await poolWithA(f);
      const ends: bigint[] = [];
      for (const [duration, hint] of [
        [1000n, 0n],
        [3000n, 0n],
        [2000n, 999_999_999_999n], // hint after the new end: ignored
        [1500n, 12345n], // hint not in the list: ignored
        [2500n, 0n], // search from the first
      ] as const) {
        const start = BigInt(await time.latest()) + 1n;
        await pools.connect(funder).fundStream(poolId, tokens(1), duration, false, hint);
        ends.push(start + duration);
      }
      const sorted = [...ends].sort((a, b) => (a < b ? -1 : 1));
      let cursor = (await pools.pool(poolId)).nextStreamEnd;
      const walked: bigint[] = [];
      while (cursor !== 0n) {
        walked.push(cursor);
        cursor = (await pools.streamEnd(poolId, cursor)).next;
      }
      expect(walked).to.deep.equal(sorted);
    });

    it("settle levels are bounded: 0 and 9 revert InvalidLevels", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, artA } = f;
      const { poolId } = await poolWithA(f);
      await expect(pools.settle(poolId, [artA], 0))
        .to.be.revertedWithCustomError(pools, "InvalidLevels")
        .withArgs(0n);
      await expect(pools.settle(poolId, [artA], 9))
        .to.be.revertedWithCustomError(pools, "InvalidLevels")
        .withArgs(9n);
    });

    it("multicall claims from two pools in one transaction; a used signature cannot be replayed", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, token, funder, curator, alice, relayer, artA } = f;
      const { poolId } = await poolWithA(f);
      const second = await createPool(pools, curator, token, curator, 0);
      await pools.connect(curator).admit(second, artA, 1);
      await pools.connect(funder).fund(poolId, tokens(3));
      await pools.connect(funder).fund(second, tokens(4));
      const calls = [poolId, second].map((id) =>
        pools.interface.encodeFunctionData("claim", [id, [target(artA)], alice.address]),
      );
      await expect(pools.connect(alice).multicall(calls)).to.changeTokenBalances(
        token,
        [alice, pools],
        [tokens(7), -tokens(7)],
      );
      await pools.connect(funder).fund(poolId, tokens(10));
      const message = {
        poolId,
        targets: [target(artA)],
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: tokens(1),
        nonce: 0n,
        deadline: 2n ** 40n,
      };
      const sig = await signClaim(alice, pools, message);
      const send = () =>
        pools
          .connect(relayer)
          .claimBySig(poolId, [target(artA)], alice, alice, tokens(1), 0n, 2n ** 40n, sig);
      await expect(send()).to.changeTokenBalance(token, alice, tokens(1));
      await expect(send()).to.be.revertedWithCustomError(pools, "InvalidNonce").withArgs(alice.address, 1n);
    });

    it("funding past the pool's capacity reverts PoolCapacityExceeded", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, carol, artA } = f;
      const big = (await ethers.deployContract("MockERC20", ["Big", "BIG", 18])) as unknown as MockERC20;
      await big.mint(carol, 2n ** 200n);
      await big.connect(carol).approve(pools, ethers.MaxUint256);
      const poolId = await createPool(pools, carol, big, curator, 0);
      await pools.connect(curator).admit(poolId, artA, 1);
      const room = ((1n << 168n) - 1n) / SCALE;
      await expect(pools.connect(carol).fund(poolId, room + 1n))
        .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
        .withArgs(poolId, room + 1n);
    });
  });

  /** Findings of the attack review, fixed: each test failed before its fix. */
  describe("attack review: findings", function () {
    it("F1 (low, fixed in the NatSpec): cancelableAmount keeps the record after the end; cancel refuses it", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, funder } = f;
      const { poolId } = await poolWithA(f);
      const t = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      await pools.connect(funder).fundStream(poolId, tokens(10), 100n, true, 0);
      await time.increase(200);
      await pools.accrue(poolId);
      const id = streamIdOf(funder.address, t, t + 100n, true);
      expect(await pools.cancelableAmount(poolId, id)).to.equal(tokens(10));
      await expect(pools.connect(funder).cancelStream(poolId, t, t + 100n))
        .to.be.revertedWithCustomError(pools, "StreamEnded")
        .withArgs(id, t + 100n);
    });

    it("F2 (medium, fixed): an announced change left pending lapses CHANGE_WINDOW after it is due", async function () {
      const f = await loadFixture(regressionFixture);
      const { pools, curator, bob, artA, artC } = f;
      const { poolId } = await poolWithA(f, DAY);
      await pools.connect(curator).admit(poolId, artA, 1);
      await time.increase(DAY);
      await pools.connect(bob).executeChange(poolId, 1);
      // Announced today, then left pending: a year later it no longer applies at a moment of anyone's choosing.
      await pools.connect(curator).admit(poolId, artC, Number(MAX_WEIGHT));
      const [executeAfter] = await pools.pendingChange(poolId, 2);
      await time.increase(YEAR);
      await expect(pools.connect(curator).executeChange(poolId, 2))
        .to.be.revertedWithCustomError(pools, "ChangeExpired")
        .withArgs(2n, executeAfter + 7n * BigInt(DAY));
    });
  });
});
