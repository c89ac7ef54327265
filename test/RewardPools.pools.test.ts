import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import {
  SCALE,
  createPool,
  deploySuite,
  deployToken,
  digestOf,
  memberState,
  poolState,
  registerArtifact,
  streamIdOf,
  target,
  tokens,
  txTimestamp,
} from "./helpers/pools";
import { Action, named, op, pendingChangeOf, poolEventsOf } from "./helpers/curation";

const DAY = 24 * 60 * 60;
/** `RATE_SCALE`: stream rates are token units per second times 2^32. */
const RATE_SCALE = 1n << 32n;

async function poolsFixture() {
  const [deployer, curator, newCurator, alice, bob, carol, funder, stranger] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  const artA = await registerArtifact(registry, deployer, {
    name: "pools/A",
    contributors: [
      [alice, 60],
      [bob, 40],
    ],
  });
  const artB = await registerArtifact(registry, deployer, { name: "pools/B", contributors: [[carol, 100]] });
  // A child with upstream flow to A, for the member() view of a non-member parent.
  const artC = await registerArtifact(registry, deployer, {
    name: "pools/C",
    contributors: [[carol, 1]],
    parents: [artA],
    upstreamBps: 2500,
  });
  const retracted = await registerArtifact(registry, deployer, {
    name: "pools/retracted",
    contributors: [[carol, 1]],
  });
  await registry.connect(deployer).retract(retracted, "withdrawn by its owner");
  const unregistered = digestOf("pools/never registered");

  const createTx = await pools.connect(deployer).createPool(token, curator, 0);
  const createdAt = await txTimestamp(createTx);
  const poolId = 1n;
  await token.connect(funder).approve(pools, ethers.MaxUint256);
  return {
    registry,
    pools,
    token,
    deployer,
    curator,
    newCurator,
    alice,
    bob,
    carol,
    funder,
    stranger,
    artA,
    artB,
    artC,
    retracted,
    unregistered,
    poolId,
    createdAt,
  };
}

describe("RewardPools", function () {
  describe("constants", function () {
    it("exposes SCALE = 2^40 and the registry it pays", async function () {
      const { pools, registry } = await loadFixture(poolsFixture);
      expect(await pools.SCALE()).to.equal(SCALE);
      expect(await pools.registry()).to.equal(await registry.getAddress());
    });

    it("caps the curation delay at 30 days and settle at 8 levels", async function () {
      const { pools } = await loadFixture(poolsFixture);
      expect(await pools.MAX_CURATION_DELAY()).to.equal(BigInt(30 * DAY));
      expect(await pools.MAX_SETTLE_LEVELS()).to.equal(8n);
      expect(await pools.RATE_SCALE()).to.equal(RATE_SCALE);
    });
  });

  describe("createPool", function () {
    it("numbered the first pool 1 and emitted PoolCreated with all arguments", async function () {
      const { pools, token, curator, deployer, poolId } = await loadFixture(poolsFixture);
      expect(await pools.poolCount()).to.equal(1n);
      const events = await pools.queryFilter(pools.filters.PoolCreated());
      expect(events.length).to.equal(1);
      const { args } = events[0];
      expect([args.poolId, args.token, args.curator, args.creator, args.curationDelay]).to.deep.equal([
        poolId,
        await token.getAddress(),
        curator.address,
        deployer.address,
        0n,
      ]);
    });

    it("numbers pools consecutively, emits PoolCreated(poolId, token, curator, creator, curationDelay) and returns the id", async function () {
      const { pools, token, stranger, newCurator, funder } = await loadFixture(poolsFixture);
      const other = await deployToken(funder.address);
      expect(await pools.connect(stranger).createPool.staticCall(other, newCurator, 0)).to.equal(2n);
      await expect(pools.connect(stranger).createPool(other, newCurator, 0))
        .to.emit(pools, "PoolCreated")
        .withArgs(2n, await other.getAddress(), newCurator.address, stranger.address, 0n);
      // The same token may back several pools.
      await expect(pools.connect(stranger).createPool(token, stranger, 0))
        .to.emit(pools, "PoolCreated")
        .withArgs(3n, await token.getAddress(), stranger.address, stranger.address, 0n);
      expect(await pools.poolCount()).to.equal(3n);
      expect((await pools.pool(2n)).token).to.equal(await other.getAddress());
      expect((await pools.pool(2n)).curator).to.equal(newCurator.address);
      expect((await pools.pool(3n)).token).to.equal(await token.getAddress());
    });

    it("accepts a curation delay from 0 to exactly 30 days, fixed in the pool view", async function () {
      const { pools, token, curator, stranger } = await loadFixture(poolsFixture);
      await expect(pools.connect(stranger).createPool(token, curator, 30 * DAY))
        .to.emit(pools, "PoolCreated")
        .withArgs(2n, await token.getAddress(), curator.address, stranger.address, BigInt(30 * DAY));
      await expect(pools.connect(stranger).createPool(token, curator, 1))
        .to.emit(pools, "PoolCreated")
        .withArgs(3n, await token.getAddress(), curator.address, stranger.address, 1n);
      expect((await pools.pool(1n)).curationDelay).to.equal(0n);
      expect((await pools.pool(2n)).curationDelay).to.equal(BigInt(30 * DAY));
      expect((await pools.pool(3n)).curationDelay).to.equal(1n);
    });

    it("reverts with CurationDelayTooLong(delay) past 30 days", async function () {
      const { pools, token, curator } = await loadFixture(poolsFixture);
      await expect(pools.createPool(token, curator, 30 * DAY + 1))
        .to.be.revertedWithCustomError(pools, "CurationDelayTooLong")
        .withArgs(BigInt(30 * DAY + 1));
      await expect(pools.createPool(token, curator, ethers.MaxUint256))
        .to.be.revertedWithCustomError(pools, "CurationDelayTooLong")
        .withArgs(ethers.MaxUint256);
      expect(await pools.poolCount()).to.equal(1n);
    });

    it("starts every field of the pool view at zero except token, curator and lastUpdate (its creation: no stream ran)", async function () {
      const { pools, token, curator, poolId, createdAt } = await loadFixture(poolsFixture);
      const now = await time.latest();
      expect(now).to.be.greaterThanOrEqual(createdAt);
      expect(await poolState(pools, poolId)).to.deep.equal({
        token: await token.getAddress(),
        curator: curator.address,
        pendingCurator: ethers.ZeroAddress,
        curationDelay: 0n,
        totalWeight: 0n,
        index: 0n,
        lastUpdate: BigInt(createdAt),
        rate: 0n,
        nextStreamEnd: 0n,
        streaming: 0n,
        carried: 0n,
        changeCount: 0n,
      });
    });

    it("reverts with InvalidToken for an EOA or the zero address", async function () {
      const { pools, curator, stranger } = await loadFixture(poolsFixture);
      await expect(pools.createPool(stranger.address, curator, 0))
        .to.be.revertedWithCustomError(pools, "InvalidToken")
        .withArgs(stranger.address);
      await expect(pools.createPool(ethers.ZeroAddress, curator, 0))
        .to.be.revertedWithCustomError(pools, "InvalidToken")
        .withArgs(ethers.ZeroAddress);
      expect(await pools.poolCount()).to.equal(1n);
    });

    it("reverts with InvalidCurator for the zero curator", async function () {
      const { pools, token } = await loadFixture(poolsFixture);
      await expect(pools.createPool(token, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(pools, "InvalidCurator")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("admit", function () {
    it("emits ArtifactAdmitted(poolId, artifact, weight) and records the member", async function () {
      const { pools, curator, poolId, artA, artB } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admit(poolId, artA, 3))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artA, 3n);
      await expect(pools.connect(curator).admit(poolId, artB, 2 ** 32 - 1))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artB, 2n ** 32n - 1n);
      expect((await pools.pool(poolId)).totalWeight).to.equal(3n + 2n ** 32n - 1n);
      expect(await memberState(pools, poolId, artA)).to.deep.equal({
        weight: 3n,
        checkpoint: 0n,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
    });

    it("checkpoints a late member at the current index, so it earns nothing from earlier funding", async function () {
      const { pools, curator, funder, poolId, artA, artB, alice, carol } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 2);
      await pools.connect(funder).fund(poolId, tokens(100));
      // 100 tokens over weight 2: 50 tokens per unit of weight.
      const index = tokens(50) * SCALE;
      await pools.connect(curator).admit(poolId, artB, 1);
      expect(await memberState(pools, poolId, artB)).to.deep.equal({
        weight: 1n,
        checkpoint: index,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
      expect(await pools.claimable(poolId, artB, carol)).to.equal(0n);
      // Alice holds 60 of A's 100 shares of 2 × 50 tokens.
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(60));
    });

    it("reverts with NotCurator(poolId, caller) for anyone but the curator", async function () {
      const { pools, stranger, funder, poolId, artA } = await loadFixture(poolsFixture);
      await expect(pools.connect(stranger).admit(poolId, artA, 1))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, stranger.address);
      await expect(pools.connect(funder).admit(poolId, artA, 1))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, funder.address);
    });

    it("reverts with UnknownPool(id) for pool 0 and a pool past poolCount", async function () {
      const { pools, curator, artA } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admit(0, artA, 1))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(0n);
      await expect(pools.connect(curator).admit(2, artA, 1))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(2n);
    });

    it("reverts with ZeroWeight for weight 0", async function () {
      const { pools, curator, poolId, artA } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admit(poolId, artA, 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroWeight",
      );
    });

    it("reverts with ArtifactNotRegistered(artifact) for an unknown digest", async function () {
      const { pools, curator, poolId, unregistered } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admit(poolId, unregistered, 1))
        .to.be.revertedWithCustomError(pools, "ArtifactNotRegistered")
        .withArgs(unregistered);
    });

    it("reverts with ArtifactIsRetracted(artifact) for a retracted artifact", async function () {
      const { pools, curator, poolId, retracted } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admit(poolId, retracted, 1))
        .to.be.revertedWithCustomError(pools, "ArtifactIsRetracted")
        .withArgs(retracted);
    });

    it("reverts with AlreadyMember(poolId, artifact) for an admitted artifact", async function () {
      const { pools, curator, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await expect(pools.connect(curator).admit(poolId, artA, 5))
        .to.be.revertedWithCustomError(pools, "AlreadyMember")
        .withArgs(poolId, artA);
    });

    it("admits the same artifact independently in two pools", async function () {
      const { pools, token, curator, stranger, poolId, artA } = await loadFixture(poolsFixture);
      const second = await createPool(pools, stranger, token, stranger);
      await pools.connect(curator).admit(poolId, artA, 1);
      await expect(pools.connect(stranger).admit(second, artA, 7))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(second, artA, 7n);
      expect((await pools.member(poolId, artA)).weight).to.equal(1n);
      expect((await pools.member(second, artA)).weight).to.equal(7n);
    });
  });

  describe("admitMany", function () {
    it("shares what the pool carried while it had no members among all the new members, by weight, at once", async function () {
      const { pools, token, curator, funder, poolId, artA, artB, alice, bob, carol, createdAt } =
        await loadFixture(poolsFixture);
      await pools.connect(funder).fund(poolId, tokens(1000));
      expect((await pools.pool(poolId)).carried).to.equal(tokens(1000));

      const tx = await pools.connect(curator).admitMany(poolId, [artA, artB], [1, 3]);
      const at = BigInt(await txTimestamp(tx));
      // No stream runs, so no accrual before the admissions; then the carried 1000 over weight 4.
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["ArtifactAdmitted", poolId, artA, 1n],
        ["ArtifactAdmitted", poolId, artB, 3n],
        // No stream ever ran: the streams are released up to the pool's creation, which is to say now.
        ["PoolAccrued", poolId, tokens(250) * SCALE, BigInt(createdAt), 0n],
      ]);
      const state = await poolState(pools, poolId);
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([4n, tokens(250) * SCALE, 0n]);
      // Both checkpointed at index 0, before the carried funds were shared.
      expect((await pools.member(poolId, artA)).checkpoint).to.equal(0n);
      expect((await pools.member(poolId, artB)).checkpoint).to.equal(0n);
      // A (weight 1) 25 %: alice 150, bob 100; B (weight 3) 75 %: carol 750. No further call needed.
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(150));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(100));
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens(750));
      await expect(
        pools.connect(carol).claim(poolId, [{ artifact: artB, slot: 0 }], carol),
      ).to.changeTokenBalances(token, [pools, carol], [-tokens(750), tokens(750)]);
      await expect(pools.connect(alice).claim(poolId, [target(artA, 0)], alice)).to.changeTokenBalances(
        token,
        [pools, alice],
        [-tokens(150), tokens(150)],
      );

      // One admit after another would give it all to the first: the second admit distributes over A alone.
      const sequential = await createPool(pools, curator, token, curator);
      await pools.connect(funder).fund(sequential, tokens(1000));
      await pools.connect(curator).admit(sequential, artA, 1);
      await pools.connect(curator).admit(sequential, artB, 3);
      expect(await pools.claimable(sequential, artA, alice)).to.equal(tokens(600));
      expect(await pools.claimable(sequential, artB, carol)).to.equal(0n);
    });

    it("distributes first to the existing members, then admits every new one at that index", async function () {
      const { pools, curator, funder, poolId, artA, artB, artC, alice, carol } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 2);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, false, 0);

      // At +100 s the 100 streamed so far go to A alone (weight 2): index 50 per unit of weight.
      await time.setNextBlockTimestamp(start + 100);
      const tx = pools.connect(curator).admitMany(poolId, [artB, artC], [1, 5]);
      await expect(tx)
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artB, 1n)
        .and.to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artC, 5n);
      const receipt = await (await tx).wait();
      const admitted = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "ArtifactAdmitted")
        .map((parsed) => parsed!.args.toArray());
      expect(admitted).to.deep.equal([
        [poolId, artB, 1n],
        [poolId, artC, 5n],
      ]);
      const index = tokens(50) * SCALE;
      const state = await poolState(pools, poolId);
      expect([state.totalWeight, state.index, state.lastUpdate]).to.deep.equal([
        8n,
        index,
        BigInt(start + 100),
      ]);
      expect(await memberState(pools, poolId, artB)).to.deep.equal({
        weight: 1n,
        checkpoint: index,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
      expect(await memberState(pools, poolId, artC)).to.deep.equal({
        weight: 5n,
        checkpoint: index,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 2500n,
        totalShares: 1n,
      });
      expect(await pools.claimable(poolId, artB, carol)).to.equal(0n);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(60));
      // The next 100 over weight 8: B 12.5, A 25 (alice 60 % of it).
      await time.increaseTo(start + 200);
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens("12.5"));
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(75));
    });

    it("reverts with LengthMismatch(artifacts, weights) when the arrays differ in length", async function () {
      const { pools, curator, poolId, artA, artB } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admitMany(poolId, [artA, artB], [1]))
        .to.be.revertedWithCustomError(pools, "LengthMismatch")
        .withArgs(2n, 1n);
      await expect(pools.connect(curator).admitMany(poolId, [artA], [1, 2, 3]))
        .to.be.revertedWithCustomError(pools, "LengthMismatch")
        .withArgs(1n, 3n);
      expect((await pools.pool(poolId)).totalWeight).to.equal(0n);
    });

    it("reverts with NotCurator(poolId, caller) for anyone but the curator, and UnknownPool(id)", async function () {
      const { pools, curator, stranger, funder, poolId, artA } = await loadFixture(poolsFixture);
      await expect(pools.connect(stranger).admitMany(poolId, [artA], [1]))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, stranger.address);
      await expect(pools.connect(funder).admitMany(poolId, [artA], [1]))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, funder.address);
      await expect(pools.connect(curator).admitMany(2, [artA], [1]))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(2n);
    });

    it("is all-or-nothing: one bad artifact in the list admits none", async function () {
      const { pools, curator, funder, poolId, artA, artB, retracted, unregistered } =
        await loadFixture(poolsFixture);
      await pools.connect(funder).fund(poolId, tokens(1000));
      // The view accrues to now, so lastUpdate is the latest block's time: compare everything else.
      const before = { ...(await poolState(pools, poolId)), lastUpdate: 0n };
      const cases: [string[], number[], string, unknown[]][] = [
        [[artA, retracted, artB], [1, 1, 1], "ArtifactIsRetracted", [retracted]],
        [[artA, unregistered], [1, 1], "ArtifactNotRegistered", [unregistered]],
        [[artA, artB, artA], [1, 1, 1], "AlreadyMember", [poolId, artA]],
        [[artA, artB], [1, 0], "ZeroWeight", []],
      ];
      for (const [artifacts, weights, error, args] of cases) {
        await expect(pools.connect(curator).admitMany(poolId, artifacts, weights), error)
          .to.be.revertedWithCustomError(pools, error)
          .withArgs(...args);
      }
      expect({ ...(await poolState(pools, poolId)), lastUpdate: 0n }).to.deep.equal(before);
      expect((await pools.member(poolId, artA)).weight).to.equal(0n);
      expect((await pools.member(poolId, artB)).weight).to.equal(0n);
      expect(await pools.queryFilter(pools.filters.ArtifactAdmitted(poolId))).to.deep.equal([]);
    });

    it("reverts with EmptyChange for empty lists", async function () {
      const { pools, curator, poolId } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).admitMany(poolId, [], [])).to.be.revertedWithCustomError(
        pools,
        "EmptyChange",
      );
    });

    it("reverts with AlreadyMember(poolId, artifact) for an artifact admitted before", async function () {
      const { pools, curator, poolId, artA, artB } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artB, 1);
      await expect(pools.connect(curator).admitMany(poolId, [artA, artB], [1, 1]))
        .to.be.revertedWithCustomError(pools, "AlreadyMember")
        .withArgs(poolId, artB);
      expect((await pools.pool(poolId)).totalWeight).to.equal(1n);
    });
  });

  describe("setWeight", function () {
    it("emits WeightChanged(poolId, artifact, old, new), updates the total and books earnings first", async function () {
      const { pools, curator, funder, poolId, artA, artB, alice, bob, carol } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(curator).admit(poolId, artB, 3);
      await pools.connect(funder).fund(poolId, tokens(400));
      // 400 tokens over weight 4: 100 per unit of weight; A earned 1 × 100.
      await expect(pools.connect(curator).setWeight(poolId, artA, 5))
        .to.emit(pools, "WeightChanged")
        .withArgs(poolId, artA, 1n, 5n);
      expect((await pools.pool(poolId)).totalWeight).to.equal(8n);
      expect(await memberState(pools, poolId, artA)).to.deep.equal({
        weight: 5n,
        checkpoint: tokens(100) * SCALE,
        earnedScaled: tokens(100) * SCALE,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
      // 800 more over weight 8: 100 per unit; A: 5 × 100 = 500 more (600 total), B: 3 × 100 more (600 total).
      await pools.connect(funder).fund(poolId, tokens(800));
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(360));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(240));
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens(600));
    });

    it("accepts the current weight again (event with equal values, totals unchanged)", async function () {
      const { pools, curator, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 4);
      await expect(pools.connect(curator).setWeight(poolId, artA, 4))
        .to.emit(pools, "WeightChanged")
        .withArgs(poolId, artA, 4n, 4n);
      expect((await pools.pool(poolId)).totalWeight).to.equal(4n);
    });

    it("reverts with ZeroWeight for weight 0 (removal is `remove`)", async function () {
      const { pools, curator, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await expect(pools.connect(curator).setWeight(poolId, artA, 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroWeight",
      );
    });

    it("reverts with NotMember(poolId, artifact) for an artifact not admitted or removed", async function () {
      const { pools, curator, poolId, artA, artB } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).setWeight(poolId, artA, 1))
        .to.be.revertedWithCustomError(pools, "NotMember")
        .withArgs(poolId, artA);
      await pools.connect(curator).admit(poolId, artB, 1);
      await pools.connect(curator).remove(poolId, artB);
      await expect(pools.connect(curator).setWeight(poolId, artB, 1))
        .to.be.revertedWithCustomError(pools, "NotMember")
        .withArgs(poolId, artB);
    });

    it("reverts with NotCurator(poolId, caller) and UnknownPool(id)", async function () {
      const { pools, curator, stranger, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await expect(pools.connect(stranger).setWeight(poolId, artA, 2))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, stranger.address);
      await expect(pools.connect(curator).setWeight(9, artA, 2))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });
  });

  describe("remove", function () {
    it("emits ArtifactRemoved(poolId, artifact, oldWeight), zeroes the weight and keeps what was earned", async function () {
      const { pools, curator, funder, poolId, artA, artB, alice, bob, carol } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(curator).admit(poolId, artB, 3);
      await pools.connect(funder).fund(poolId, tokens(400));
      await expect(pools.connect(curator).remove(poolId, artA))
        .to.emit(pools, "ArtifactRemoved")
        .withArgs(poolId, artA, 1n);
      expect((await pools.pool(poolId)).totalWeight).to.equal(3n);
      expect(await memberState(pools, poolId, artA)).to.deep.equal({
        weight: 0n,
        checkpoint: tokens(100) * SCALE,
        earnedScaled: tokens(100) * SCALE,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
      // Later funding goes to B alone: 300 + 300.
      await pools.connect(funder).fund(poolId, tokens(300));
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(60));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(40));
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens(600));
    });

    it("reverts with NotMember(poolId, artifact) for a second removal and a never-admitted artifact", async function () {
      const { pools, curator, poolId, artA, artB } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(curator).remove(poolId, artA);
      await expect(pools.connect(curator).remove(poolId, artA))
        .to.be.revertedWithCustomError(pools, "NotMember")
        .withArgs(poolId, artA);
      await expect(pools.connect(curator).remove(poolId, artB))
        .to.be.revertedWithCustomError(pools, "NotMember")
        .withArgs(poolId, artB);
    });

    it("reverts with NotCurator(poolId, caller) and UnknownPool(id)", async function () {
      const { pools, curator, stranger, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await expect(pools.connect(stranger).remove(poolId, artA))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, stranger.address);
      await expect(pools.connect(curator).remove(7, artA))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(7n);
    });

    it("re-admits a removed artifact, which earns again from then on only", async function () {
      const { pools, curator, funder, poolId, artA, artB, alice, bob, carol } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(curator).admit(poolId, artB, 1);
      await pools.connect(funder).fund(poolId, tokens(100)); // A 50, B 50; index 50
      await pools.connect(curator).remove(poolId, artA);
      await pools.connect(funder).fund(poolId, tokens(100)); // B alone: B 150; index 150
      await expect(pools.connect(curator).admit(poolId, artA, 1))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artA, 1n);
      expect(await memberState(pools, poolId, artA)).to.deep.equal({
        weight: 1n,
        checkpoint: tokens(150) * SCALE,
        earnedScaled: tokens(50) * SCALE,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
      // While removed A earned nothing: still 50 → alice 30, bob 20.
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(30));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(20));
      await pools.connect(funder).fund(poolId, tokens(100)); // A 50 more (100), B 50 more (200)
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(60));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(40));
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens(200));
      expect((await pools.pool(poolId)).totalWeight).to.equal(2n);
    });
  });

  describe("curation with a delay", function () {
    it("announces an admission: CurationAnnounced(poolId, changeId, executeAfter, ops), the pendingChange view, nothing applied", async function () {
      const { pools, token, curator, stranger, artA } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      const tx = await pools.connect(curator).admit(delayed, artA, 3);
      const executeAfter = BigInt((await txTimestamp(tx)) + DAY);
      await expect(tx)
        .to.emit(pools, "CurationAnnounced")
        .withArgs(delayed, 1n, executeAfter, [op(artA, 3, Action.Admit)]);
      // The announcement is the only event: nothing was accrued or admitted.
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["CurationAnnounced", delayed, 1n, executeAfter, [op(artA, 3, Action.Admit)]],
      ]);
      expect(await pendingChangeOf(pools, delayed, 1)).to.deep.equal([
        executeAfter,
        [op(artA, 3, Action.Admit)],
      ]);
      const state = await pools.pool(delayed);
      expect([state.totalWeight, state.changeCount]).to.deep.equal([0n, 1n]);
      expect((await pools.member(delayed, artA)).weight).to.equal(0n);
      expect(await pendingChangeOf(pools, delayed, 2)).to.deep.equal([0n, []]);
    });

    it("numbers the changes of admitMany, setWeight and remove and records their steps", async function () {
      const { pools, token, curator, stranger, artA, artB } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, 7 * DAY);
      const many = await pools.connect(curator).admitMany(delayed, [artA, artB], [1, 2]);
      const reweigh = await pools.connect(curator).setWeight(delayed, artA, 5);
      const removal = await pools.connect(curator).remove(delayed, artB);
      const due = async (tx: { blockNumber: number | null }) => BigInt((await txTimestamp(tx)) + 7 * DAY);
      const ops = [
        [op(artA, 1, Action.Admit), op(artB, 2, Action.Admit)],
        [op(artA, 5, Action.SetWeight)],
        [op(artB, 0, Action.Remove)],
      ];
      await expect(many)
        .to.emit(pools, "CurationAnnounced")
        .withArgs(delayed, 1n, await due(many), ops[0]);
      await expect(reweigh)
        .to.emit(pools, "CurationAnnounced")
        .withArgs(delayed, 2n, await due(reweigh), ops[1]);
      await expect(removal)
        .to.emit(pools, "CurationAnnounced")
        .withArgs(delayed, 3n, await due(removal), ops[2]);
      expect(await pendingChangeOf(pools, delayed, 1)).to.deep.equal([await due(many), ops[0]]);
      expect(await pendingChangeOf(pools, delayed, 2)).to.deep.equal([await due(reweigh), ops[1]]);
      expect(await pendingChangeOf(pools, delayed, 3)).to.deep.equal([await due(removal), ops[2]]);
      expect((await pools.pool(delayed)).changeCount).to.equal(3n);
      expect((await pools.pool(delayed)).totalWeight).to.equal(0n);
    });

    it("refuses at announcement what can never apply: ZeroWeight, ArtifactNotRegistered, ArtifactIsRetracted, EmptyChange, LengthMismatch, NotCurator", async function () {
      const { pools, token, curator, stranger, artA, artB, retracted, unregistered } =
        await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await expect(pools.connect(curator).admit(delayed, artA, 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroWeight",
      );
      await expect(pools.connect(curator).setWeight(delayed, artA, 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroWeight",
      );
      await expect(
        pools.connect(curator).admitMany(delayed, [artA, artB], [1, 0]),
      ).to.be.revertedWithCustomError(pools, "ZeroWeight");
      await expect(pools.connect(curator).admit(delayed, unregistered, 1))
        .to.be.revertedWithCustomError(pools, "ArtifactNotRegistered")
        .withArgs(unregistered);
      await expect(pools.connect(curator).admitMany(delayed, [artA, retracted], [1, 1]))
        .to.be.revertedWithCustomError(pools, "ArtifactIsRetracted")
        .withArgs(retracted);
      await expect(pools.connect(curator).admitMany(delayed, [], [])).to.be.revertedWithCustomError(
        pools,
        "EmptyChange",
      );
      await expect(pools.connect(curator).admitMany(delayed, [artA], [1, 1]))
        .to.be.revertedWithCustomError(pools, "LengthMismatch")
        .withArgs(1n, 2n);
      for (const send of [
        () => pools.connect(stranger).admit(delayed, artA, 1),
        () => pools.connect(stranger).admitMany(delayed, [artA], [1]),
        () => pools.connect(stranger).setWeight(delayed, artA, 1),
        () => pools.connect(stranger).remove(delayed, artA),
      ]) {
        await expect(send())
          .to.be.revertedWithCustomError(pools, "NotCurator")
          .withArgs(delayed, stranger.address);
      }
      expect((await pools.pool(delayed)).changeCount).to.equal(0n);
    });

    it("executes a due change for anyone, at exactly executeAfter: the steps' events, then CurationExecuted(poolId, changeId, executor)", async function () {
      const { pools, token, curator, stranger, alice, artA } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      const announced = await pools.connect(curator).admit(delayed, artA, 3);
      const executeAfter = (await txTimestamp(announced)) + DAY;

      await time.setNextBlockTimestamp(executeAfter - 1);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "ChangeNotDue")
        .withArgs(1n, BigInt(executeAfter));
      expect((await pools.member(delayed, artA)).weight).to.equal(0n);

      await time.setNextBlockTimestamp(executeAfter);
      const tx = await pools.connect(alice).executeChange(delayed, 1);
      await expect(tx).to.emit(pools, "CurationExecuted").withArgs(delayed, 1n, alice.address);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["ArtifactAdmitted", delayed, artA, 3n],
        ["CurationExecuted", delayed, 1n, alice.address],
      ]);
      expect((await pools.member(delayed, artA)).weight).to.equal(3n);
      expect((await pools.pool(delayed)).totalWeight).to.equal(3n);
      expect(await pendingChangeOf(pools, delayed, 1)).to.deep.equal([0n, []]);

      // Executed once: a second execution finds nothing.
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(delayed, 1n);
    });

    it("applies announced weight changes and removals when executed, settling first", async function () {
      const { pools, token, curator, funder, stranger, alice, artA, artB } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admitMany(delayed, [artA, artB], [1, 3]);
      await pools.connect(curator).setWeight(delayed, artA, 5);
      await pools.connect(curator).remove(delayed, artB);
      await time.increase(DAY);
      await pools.connect(stranger).executeChange(delayed, 1);
      await pools.connect(funder).fund(delayed, tokens(400)); // A 100, B 300

      const reweigh = await pools.connect(stranger).executeChange(delayed, 2);
      expect(named(await poolEventsOf(pools, reweigh), "WeightChanged")).to.deep.equal([
        [delayed, artA, 1n, 5n],
      ]);
      await expect(reweigh).to.emit(pools, "CurationExecuted").withArgs(delayed, 2n, stranger.address);
      const removal = await pools.connect(stranger).executeChange(delayed, 3);
      expect(named(await poolEventsOf(pools, removal), "ArtifactRemoved")).to.deep.equal([
        [delayed, artB, 3n],
      ]);
      await expect(removal).to.emit(pools, "CurationExecuted").withArgs(delayed, 3n, stranger.address);
      expect((await pools.pool(delayed)).totalWeight).to.equal(5n);
      expect((await pools.member(delayed, artA)).earnedScaled).to.equal(tokens(100) * SCALE);
      expect((await pools.member(delayed, artB)).earnedScaled).to.equal(tokens(300) * SCALE);
      // A alone from now on.
      await pools.connect(funder).fund(delayed, tokens(100));
      expect(await pools.claimable(delayed, artA, alice)).to.equal(tokens(120));
    });

    it("reverts executeChange with UnknownChange(poolId, changeId) for an id never announced, and UnknownPool(id)", async function () {
      const { pools, token, curator, stranger, poolId } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(delayed, 1n);
      // A pool without a delay announces nothing.
      await expect(pools.connect(stranger).executeChange(poolId, 0))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(poolId, 0n);
      await expect(pools.connect(stranger).executeChange(99, 1))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(99n);
    });

    it("lets the curator alone cancel a pending change: CurationCancelled(poolId, changeId), then it cannot execute", async function () {
      const { pools, token, curator, stranger, artA, artB } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admit(delayed, artA, 1);
      await pools.connect(curator).admit(delayed, artB, 1);
      await expect(pools.connect(stranger).cancelChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(delayed, stranger.address);

      const tx = await pools.connect(curator).cancelChange(delayed, 1);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([["CurationCancelled", delayed, 1n]]);
      expect(await pendingChangeOf(pools, delayed, 1)).to.deep.equal([0n, []]);
      await expect(pools.connect(curator).cancelChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(delayed, 1n);
      await expect(pools.connect(curator).cancelChange(delayed, 9))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(delayed, 9n);

      await time.increase(DAY);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "UnknownChange")
        .withArgs(delayed, 1n);
      // The other change is untouched.
      await expect(pools.connect(stranger).executeChange(delayed, 2))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(delayed, artB, 1n);
      expect((await pools.member(delayed, artA)).weight).to.equal(0n);
      expect((await pools.pool(delayed)).changeCount).to.equal(2n);
    });

    it("reverts a whole change whose step no longer fits (an artifact retracted meanwhile); it stays pending", async function () {
      const { registry, pools, token, deployer, curator, stranger, artB, artC } =
        await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admitMany(delayed, [artB, artC], [1, 2]);
      const [executeAfter, ops] = await pendingChangeOf(pools, delayed, 1);
      await registry.connect(deployer).retract(artC, "withdrawn");
      await time.increaseTo(executeAfter);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "ArtifactIsRetracted")
        .withArgs(artC);
      // Nothing of it applied, B included, and it is still there for the curator to cancel.
      expect((await pools.member(delayed, artB)).weight).to.equal(0n);
      expect((await pools.pool(delayed)).totalWeight).to.equal(0n);
      expect(await pendingChangeOf(pools, delayed, 1)).to.deep.equal([executeAfter, ops]);
      await expect(pools.connect(curator).cancelChange(delayed, 1))
        .to.emit(pools, "CurationCancelled")
        .withArgs(delayed, 1n);
    });

    it("reverts AlreadyMember(poolId, artifact) for the second of two announced admissions, which can apply once the first leaves", async function () {
      const { pools, token, curator, stranger, artA } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admit(delayed, artA, 1);
      await pools.connect(curator).admit(delayed, artA, 4);
      await pools.connect(curator).remove(delayed, artA);
      const [executeAfter2, ops2] = await pendingChangeOf(pools, delayed, 2);
      await time.increase(DAY);
      await pools.connect(stranger).executeChange(delayed, 1);
      await expect(pools.connect(stranger).executeChange(delayed, 2))
        .to.be.revertedWithCustomError(pools, "AlreadyMember")
        .withArgs(delayed, artA);
      expect(await pendingChangeOf(pools, delayed, 2)).to.deep.equal([executeAfter2, ops2]);
      await pools.connect(stranger).executeChange(delayed, 3);
      await expect(pools.connect(stranger).executeChange(delayed, 2))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(delayed, artA, 4n);
      expect((await pools.member(delayed, artA)).weight).to.equal(4n);
    });

    it("reverts NotMember(poolId, artifact) at execution for an announced removal of a non-member", async function () {
      const { pools, token, curator, stranger, artB } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).remove(delayed, artB);
      await time.increase(DAY);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "NotMember")
        .withArgs(delayed, artB);
    });

    it("shares what the empty pool carried among the members the change leaves, visible in claimable with no extra call", async function () {
      const { pools, token, curator, funder, stranger, artA, artB, alice, bob, carol } =
        await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      const createdAt = BigInt((await pools.pool(delayed)).lastUpdate);
      await pools.connect(funder).fund(delayed, tokens(1000));
      const announced = await pools.connect(curator).admitMany(delayed, [artA, artB], [1, 3]);
      const executeAfter = (await txTimestamp(announced)) + DAY;
      await time.increaseTo(executeAfter - 1);
      expect((await pools.pool(delayed)).carried).to.equal(tokens(1000));
      expect(await pools.claimable(delayed, artB, carol)).to.equal(0n);

      await time.setNextBlockTimestamp(executeAfter);
      const tx = await pools.connect(stranger).executeChange(delayed, 1);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["ArtifactAdmitted", delayed, artA, 1n],
        ["ArtifactAdmitted", delayed, artB, 3n],
        ["PoolAccrued", delayed, tokens(250) * SCALE, createdAt, 0n],
        ["CurationExecuted", delayed, 1n, stranger.address],
      ]);
      expect((await pools.pool(delayed)).carried).to.equal(0n);
      expect(await pools.claimable(delayed, artA, alice)).to.equal(tokens(150));
      expect(await pools.claimable(delayed, artA, bob)).to.equal(tokens(100));
      expect(await pools.claimable(delayed, artB, carol)).to.equal(tokens(750));
      await expect(pools.connect(carol).claim(delayed, [target(artB, 0)], carol)).to.changeTokenBalances(
        token,
        [pools, carol],
        [-tokens(750), tokens(750)],
      );
      await expect(pools.connect(bob).claim(delayed, [target(artA, 1)], bob)).to.changeTokenBalances(
        token,
        [pools, bob],
        [-tokens(100), tokens(100)],
      );
    });

    it("shares what a stream released into the empty pool before the change, then streams on to the members", async function () {
      const { pools, token, curator, funder, stranger, artA, alice, bob } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      // 1728 tokens over 2 days: exactly 0.01 token per second.
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(delayed, tokens(1728), 2 * DAY, false, 0);
      await time.setNextBlockTimestamp(start + 100);
      await pools.connect(curator).admit(delayed, artA, 1);
      await time.setNextBlockTimestamp(start + 100 + DAY);
      await pools.connect(stranger).executeChange(delayed, 1);
      // 86,500 s released 865 tokens while the pool was empty; A gets them all at once.
      expect(await pools.claimable(delayed, artA, alice)).to.equal(tokens(519));
      expect(await pools.claimable(delayed, artA, bob)).to.equal(tokens(346));
      await time.increaseTo(start + 1100 + DAY);
      expect(await pools.claimable(delayed, artA, alice)).to.equal(tokens(525));
      await expect(pools.connect(bob).claim(delayed, [target(artA, 1)], bob)).to.changeTokenBalances(
        token,
        [pools, bob],
        // One more second of streaming by the time the claim is mined.
        [-tokens("350.004"), tokens("350.004")],
      );
    });

    it("keeps a due change executable for CHANGE_WINDOW, then lets it lapse: no announcement lingers", async function () {
      const { pools, token, curator, funder, stranger, artA, artB, alice } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      expect(await pools.CHANGE_WINDOW()).to.equal(7n * BigInt(DAY));
      // Both announced in one block, so both are due at the same moment.
      await pools
        .connect(curator)
        .multicall([
          pools.interface.encodeFunctionData("admit", [delayed, artA, 1]),
          pools.interface.encodeFunctionData("admit", [delayed, artB, 1]),
        ]);
      const [executeAfter] = await pools.pendingChange(delayed, 1);
      expect((await pools.pendingChange(delayed, 2))[0]).to.equal(executeAfter);
      const lastMoment = executeAfter + 7n * BigInt(DAY);
      // The last second of the window still works...
      await time.setNextBlockTimestamp(lastMoment);
      await expect(pools.connect(stranger).executeChange(delayed, 1))
        .to.emit(pools, "CurationExecuted")
        .withArgs(delayed, 1n, stranger.address);
      // ...one second later the other change has lapsed, and a funder arriving later is not surprised by it.
      await time.setNextBlockTimestamp(lastMoment + 1n);
      await expect(pools.connect(stranger).executeChange(delayed, 2))
        .to.be.revertedWithCustomError(pools, "ChangeExpired")
        .withArgs(2n, lastMoment);
      await pools.connect(funder).fund(delayed, tokens(1000));
      expect(await pools.claimable(delayed, artA, alice)).to.equal(tokens(600));
      expect((await pools.member(delayed, artB)).weight).to.equal(0n);
      // The curator clears the lapsed announcement.
      await expect(pools.connect(curator).cancelChange(delayed, 2))
        .to.emit(pools, "CurationCancelled")
        .withArgs(delayed, 2n);
    });

    it("lets a new curator cancel or execute changes its predecessor announced", async function () {
      const { pools, token, curator, newCurator, stranger, artA, artB } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admit(delayed, artA, 1);
      await pools.connect(curator).admit(delayed, artB, 1);
      await pools.connect(curator).proposeCurator(delayed, newCurator);
      await pools.connect(newCurator).acceptCurator(delayed);
      await expect(pools.connect(curator).cancelChange(delayed, 1))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(delayed, curator.address);
      await expect(pools.connect(newCurator).cancelChange(delayed, 1))
        .to.emit(pools, "CurationCancelled")
        .withArgs(delayed, 1n);
      await time.increase(DAY);
      await expect(pools.connect(curator).executeChange(delayed, 2))
        .to.emit(pools, "CurationExecuted")
        .withArgs(delayed, 2n, curator.address);
      expect((await pools.member(delayed, artB)).weight).to.equal(1n);
    });
  });

  describe("the curator and the tokens", function () {
    it("moves no token with any curator action: the pool's balance and the curator's stay unchanged", async function () {
      const { pools, token, curator, newCurator, funder, stranger, poolId, artA, artB, artC } =
        await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(funder).fund(poolId, tokens(1000));
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, true, 0);
      await pools.connect(funder).fund(delayed, tokens(500));
      await pools.connect(funder).fundStream(delayed, tokens(500), 1000, true, 0);
      const held = await token.balanceOf(pools);
      expect(held).to.equal(tokens(3000));

      const actions = [
        () => pools.connect(curator).admit(poolId, artB, 2),
        () => pools.connect(curator).admitMany(poolId, [artC], [3]),
        () => pools.connect(curator).setWeight(poolId, artA, 7),
        () => pools.connect(curator).remove(poolId, artB),
        () => pools.connect(curator).admit(delayed, artA, 1),
        () => pools.connect(curator).admit(delayed, artB, 1),
        () => pools.connect(curator).cancelChange(delayed, 2),
        () => pools.connect(curator).proposeCurator(poolId, newCurator),
        () => pools.connect(newCurator).acceptCurator(poolId),
      ];
      for (const action of actions) {
        await expect(action()).to.changeTokenBalances(token, [pools, curator, newCurator], [0n, 0n, 0n]);
      }
      await time.increase(DAY);
      await expect(pools.connect(curator).executeChange(delayed, 1)).to.changeTokenBalances(
        token,
        [pools, curator],
        [0n, 0n],
      );
      expect(await token.balanceOf(pools)).to.equal(held);
      expect(await token.balanceOf(curator)).to.equal(0n);
    });

    it("gives the curator no way to someone else's stream or rewards", async function () {
      const { pools, token, curator, funder, poolId, artA } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, true, 0);
      // Cancelling names the caller's own stream: the curator funds none.
      await expect(pools.connect(curator).cancelStream(poolId, start, start + 1000))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(curator.address, start, start + 1000, true));
      await expect(pools.connect(curator).claim(poolId, [target(artA, 0)], curator))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, curator.address);
      expect(await token.balanceOf(pools)).to.equal(tokens(1000));
    });

    it("exposes exactly these state-changing functions (tokens leave only through claims and stream cancellation)", async function () {
      const { pools } = await loadFixture(poolsFixture);
      const mutating: string[] = [];
      pools.interface.forEachFunction((fragment) => {
        if (!fragment.constant) mutating.push(fragment.name);
      });
      expect(mutating.sort()).to.deep.equal(
        [
          // curation: no token moves
          "acceptCurator",
          "admit",
          "admitMany",
          "cancelChange",
          "createPool",
          "executeChange",
          "proposeCurator",
          "remove",
          "setWeight",
          // accounting: no token moves
          "accrue",
          "invalidateNonces",
          "settle",
          // tokens in
          "fund",
          "fundStream",
          "fundStreamWithPermit",
          "fundWithPermit",
          // tokens out, to contributors or to a stream's own funder
          "cancelStream",
          "claim",
          "claimBySig",
          "claimFor",
          // batches the above for the caller
          "multicall",
        ].sort(),
      );
    });
  });

  describe("curator handover", function () {
    it("proposeCurator emits CuratorProposed(poolId, curator, proposed) and records the pending curator", async function () {
      const { pools, curator, newCurator, poolId } = await loadFixture(poolsFixture);
      await expect(pools.connect(curator).proposeCurator(poolId, newCurator))
        .to.emit(pools, "CuratorProposed")
        .withArgs(poolId, curator.address, newCurator.address);
      const state = await poolState(pools, poolId);
      expect(state.curator).to.equal(curator.address);
      expect(state.pendingCurator).to.equal(newCurator.address);
    });

    it("acceptCurator emits CuratorTransferred(poolId, previous, curator) and clears the pending curator", async function () {
      const { pools, curator, newCurator, poolId } = await loadFixture(poolsFixture);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      await expect(pools.connect(newCurator).acceptCurator(poolId))
        .to.emit(pools, "CuratorTransferred")
        .withArgs(poolId, curator.address, newCurator.address);
      const state = await poolState(pools, poolId);
      expect(state.curator).to.equal(newCurator.address);
      expect(state.pendingCurator).to.equal(ethers.ZeroAddress);
      // Accepting twice fails: nothing is pending any more.
      await expect(pools.connect(newCurator).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, newCurator.address);
    });

    it("takes every curator right from the old curator and gives it to the new one", async function () {
      const { pools, curator, newCurator, stranger, poolId, artA, artB } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 1);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      // Until acceptance the old curator still curates.
      await pools.connect(curator).setWeight(poolId, artA, 2);
      await pools.connect(newCurator).acceptCurator(poolId);

      for (const send of [
        () => pools.connect(curator).admit(poolId, artB, 1),
        () => pools.connect(curator).setWeight(poolId, artA, 3),
        () => pools.connect(curator).remove(poolId, artA),
        () => pools.connect(curator).proposeCurator(poolId, stranger),
      ]) {
        await expect(send())
          .to.be.revertedWithCustomError(pools, "NotCurator")
          .withArgs(poolId, curator.address);
      }
      await expect(pools.connect(newCurator).admit(poolId, artB, 1))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, artB, 1n);
      await expect(pools.connect(newCurator).setWeight(poolId, artA, 3))
        .to.emit(pools, "WeightChanged")
        .withArgs(poolId, artA, 2n, 3n);
      await expect(pools.connect(newCurator).remove(poolId, artB))
        .to.emit(pools, "ArtifactRemoved")
        .withArgs(poolId, artB, 1n);
      await expect(pools.connect(newCurator).proposeCurator(poolId, curator))
        .to.emit(pools, "CuratorProposed")
        .withArgs(poolId, newCurator.address, curator.address);
    });

    it("reverts acceptCurator with NotPendingCurator(poolId, caller) for anyone else, with or without a proposal", async function () {
      const { pools, curator, newCurator, stranger, poolId } = await loadFixture(poolsFixture);
      await expect(pools.connect(newCurator).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, newCurator.address);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      await expect(pools.connect(stranger).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, stranger.address);
      // The current curator cannot accept on the proposed curator's behalf either.
      await expect(pools.connect(curator).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, curator.address);
    });

    it("cancels with a zero proposal, and a new proposal replaces the pending one", async function () {
      const { pools, curator, newCurator, stranger, poolId } = await loadFixture(poolsFixture);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      await expect(pools.connect(curator).proposeCurator(poolId, ethers.ZeroAddress))
        .to.emit(pools, "CuratorProposed")
        .withArgs(poolId, curator.address, ethers.ZeroAddress);
      expect((await pools.pool(poolId)).pendingCurator).to.equal(ethers.ZeroAddress);
      await expect(pools.connect(newCurator).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, newCurator.address);

      await pools.connect(curator).proposeCurator(poolId, newCurator);
      await pools.connect(curator).proposeCurator(poolId, stranger);
      await expect(pools.connect(newCurator).acceptCurator(poolId))
        .to.be.revertedWithCustomError(pools, "NotPendingCurator")
        .withArgs(poolId, newCurator.address);
      await expect(pools.connect(stranger).acceptCurator(poolId))
        .to.emit(pools, "CuratorTransferred")
        .withArgs(poolId, curator.address, stranger.address);
    });

    it("reverts proposeCurator with NotCurator(poolId, caller), and both with UnknownPool(id)", async function () {
      const { pools, curator, newCurator, stranger, poolId } = await loadFixture(poolsFixture);
      await expect(pools.connect(stranger).proposeCurator(poolId, stranger))
        .to.be.revertedWithCustomError(pools, "NotCurator")
        .withArgs(poolId, stranger.address);
      await expect(pools.connect(curator).proposeCurator(5, newCurator))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(5n);
      await expect(pools.connect(newCurator).acceptCurator(5))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(5n);
    });
  });

  describe("views", function () {
    it("pool() reports every field mid-stream, accrued to now", async function () {
      const { pools, token, curator, newCurator, funder, poolId, artA, artB } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 2);
      await pools.connect(curator).admit(poolId, artB, 2);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(4000), 1000, false, 0);
      await time.increaseTo(start + 250);
      // 250 s of 4 tokens/s = 1000 tokens released over weight 4: index 250 tokens per unit of weight.
      expect(await poolState(pools, poolId)).to.deep.equal({
        token: await token.getAddress(),
        curator: curator.address,
        pendingCurator: newCurator.address,
        curationDelay: 0n,
        totalWeight: 4n,
        index: tokens(250) * SCALE,
        lastUpdate: BigInt(start + 250),
        rate: tokens(4) * RATE_SCALE,
        nextStreamEnd: BigInt(start + 1000),
        streaming: tokens(3000),
        carried: 0n,
        changeCount: 0n,
      });
      await time.increaseTo(start + 1000);
      const ended = await poolState(pools, poolId);
      expect([ended.index, ended.streaming, ended.rate, ended.nextStreamEnd, ended.lastUpdate]).to.deep.equal(
        [tokens(1000) * SCALE, 0n, 0n, 0n, BigInt(start + 1000)],
      );
      await time.increaseTo(start + 1100);
      const later = await poolState(pools, poolId);
      expect([later.index, later.lastUpdate]).to.deep.equal([tokens(1000) * SCALE, BigInt(start + 1100)]);
    });

    it("pool() shows what a pool without members carries, and a delayed pool's changeCount", async function () {
      const { pools, token, curator, funder, stranger, artA } = await loadFixture(poolsFixture);
      const delayed = await createPool(pools, stranger, token, curator, DAY);
      // 1728 tokens over 2 days: exactly 0.01 token per second.
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(delayed, tokens(1728), 2 * DAY, false, 0);
      await time.setNextBlockTimestamp(start + 100);
      await pools.connect(curator).admit(delayed, artA, 1);
      expect(await poolState(pools, delayed)).to.deep.equal({
        token: await token.getAddress(),
        curator: curator.address,
        pendingCurator: ethers.ZeroAddress,
        curationDelay: BigInt(DAY),
        totalWeight: 0n,
        index: 0n,
        lastUpdate: BigInt(start + 100),
        rate: tokens("0.01") * RATE_SCALE,
        nextStreamEnd: BigInt(start + 2 * DAY),
        streaming: tokens(1727),
        carried: tokens(1),
        changeCount: 1n,
      });
      await pools.connect(funder).fund(delayed, tokens(5));
      await time.increaseTo(start + 200);
      const state = await poolState(pools, delayed);
      expect([state.streaming, state.carried, state.changeCount]).to.deep.equal([
        tokens(1726),
        tokens(7),
        1n,
      ]);
    });

    it("pool() reverts with UnknownPool(id)", async function () {
      const { pools } = await loadFixture(poolsFixture);
      await expect(pools.pool(0)).to.be.revertedWithCustomError(pools, "UnknownPool").withArgs(0n);
      await expect(pools.pool(2)).to.be.revertedWithCustomError(pools, "UnknownPool").withArgs(2n);
    });

    it("member() is all zeros for an artifact the pool never met", async function () {
      const { pools, poolId, artA, unregistered } = await loadFixture(poolsFixture);
      const zero = {
        weight: 0n,
        checkpoint: 0n,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 0n,
      };
      expect(await memberState(pools, poolId, artA)).to.deep.equal(zero);
      expect(await memberState(pools, poolId, unregistered)).to.deep.equal(zero);
      expect(await memberState(pools, 42, artA)).to.deep.equal(zero);
    });

    it("member() shows a child's cached facts and a non-member parent's inflow", async function () {
      const { pools, curator, funder, stranger, poolId, artA, artC } = await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artC, 4);
      await pools.connect(funder).fund(poolId, tokens(1000));
      expect(await memberState(pools, poolId, artC)).to.deep.equal({
        weight: 4n,
        checkpoint: 0n,
        earnedScaled: 0n,
        pendingUpstreamScaled: 0n,
        upstreamBps: 2500n,
        totalShares: 1n,
      });
      await pools.connect(stranger).settle(poolId, [artC], 1);
      // C earned 1000: 25 % (250) flowed to A, which is not a member; C kept 750.
      expect(await memberState(pools, poolId, artC)).to.deep.equal({
        weight: 4n,
        checkpoint: tokens(250) * SCALE,
        earnedScaled: tokens(750) * SCALE,
        pendingUpstreamScaled: 0n,
        upstreamBps: 2500n,
        totalShares: 1n,
      });
      expect(await memberState(pools, poolId, artA)).to.deep.equal({
        weight: 0n,
        checkpoint: 0n,
        earnedScaled: tokens(250) * SCALE,
        pendingUpstreamScaled: 0n,
        upstreamBps: 0n,
        totalShares: 100n,
      });
    });
  });
});
