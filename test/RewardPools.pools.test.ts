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
  tokens,
  txTimestamp,
} from "./helpers/pools";

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

  const createTx = await pools.connect(deployer).createPool(token, curator);
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
  });

  describe("createPool", function () {
    it("numbered the first pool 1 and emitted PoolCreated with all arguments", async function () {
      const { pools, token, curator, deployer, poolId } = await loadFixture(poolsFixture);
      expect(await pools.poolCount()).to.equal(1n);
      const events = await pools.queryFilter(pools.filters.PoolCreated());
      expect(events.length).to.equal(1);
      const { args } = events[0];
      expect([args.poolId, args.token, args.curator, args.creator]).to.deep.equal([
        poolId,
        await token.getAddress(),
        curator.address,
        deployer.address,
      ]);
    });

    it("numbers pools consecutively, emits PoolCreated(poolId, token, curator, creator) and returns the id", async function () {
      const { pools, token, stranger, newCurator, funder } = await loadFixture(poolsFixture);
      const other = await deployToken(funder.address);
      expect(await pools.connect(stranger).createPool.staticCall(other, newCurator)).to.equal(2n);
      await expect(pools.connect(stranger).createPool(other, newCurator))
        .to.emit(pools, "PoolCreated")
        .withArgs(2n, await other.getAddress(), newCurator.address, stranger.address);
      // The same token may back several pools.
      await expect(pools.connect(stranger).createPool(token, stranger))
        .to.emit(pools, "PoolCreated")
        .withArgs(3n, await token.getAddress(), stranger.address, stranger.address);
      expect(await pools.poolCount()).to.equal(3n);
      expect((await pools.pool(2n)).token).to.equal(await other.getAddress());
      expect((await pools.pool(2n)).curator).to.equal(newCurator.address);
      expect((await pools.pool(3n)).token).to.equal(await token.getAddress());
    });

    it("starts every field of the pool view at zero except token, curator and lastUpdate", async function () {
      const { pools, token, curator, poolId, createdAt } = await loadFixture(poolsFixture);
      expect(await poolState(pools, poolId)).to.deep.equal({
        token: await token.getAddress(),
        curator: curator.address,
        pendingCurator: ethers.ZeroAddress,
        totalWeight: 0n,
        index: 0n,
        lastUpdate: BigInt(createdAt),
        streamRemaining: 0n,
        streamEnd: 0n,
        streamRatePerSecond: 0n,
        carried: 0n,
      });
    });

    it("reverts with InvalidToken for an EOA or the zero address", async function () {
      const { pools, curator, stranger } = await loadFixture(poolsFixture);
      await expect(pools.createPool(stranger.address, curator))
        .to.be.revertedWithCustomError(pools, "InvalidToken")
        .withArgs(stranger.address);
      await expect(pools.createPool(ethers.ZeroAddress, curator))
        .to.be.revertedWithCustomError(pools, "InvalidToken")
        .withArgs(ethers.ZeroAddress);
      expect(await pools.poolCount()).to.equal(1n);
    });

    it("reverts with InvalidCurator for the zero curator", async function () {
      const { pools, token } = await loadFixture(poolsFixture);
      await expect(pools.createPool(token, ethers.ZeroAddress))
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
    it("shares what the pool carried while it had no members among all the new members, by weight", async function () {
      const { pools, token, curator, funder, stranger, poolId, artA, artB, alice, bob, carol } =
        await loadFixture(poolsFixture);
      await pools.connect(funder).fund(poolId, tokens(1000));
      expect((await pools.pool(poolId)).carried).to.equal(tokens(1000));

      await pools.connect(curator).admitMany(poolId, [artA, artB], [1, 3]);
      let state = await poolState(pools, poolId);
      // Both checkpointed at index 0; the 1000 waits for the next distribution, over weight 4.
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([4n, 0n, tokens(1000)]);
      expect((await pools.member(poolId, artA)).checkpoint).to.equal(0n);
      expect((await pools.member(poolId, artB)).checkpoint).to.equal(0n);

      await pools.connect(stranger).settle(poolId, []);
      state = await poolState(pools, poolId);
      expect([state.index, state.carried]).to.deep.equal([tokens(250) * SCALE, 0n]);
      // A (weight 1) 25 %: alice 150, bob 100; B (weight 3) 75 %: carol 750.
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(150));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(100));
      expect(await pools.claimable(poolId, artB, carol)).to.equal(tokens(750));
      await expect(
        pools.connect(carol).claim(poolId, [{ artifact: artB, slot: 0 }], carol),
      ).to.changeTokenBalances(token, [pools, carol], [-tokens(750), tokens(750)]);

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
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);

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
      const before = await poolState(pools, poolId);
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
      expect(await poolState(pools, poolId)).to.deep.equal(before);
      expect((await pools.member(poolId, artA)).weight).to.equal(0n);
      expect((await pools.member(poolId, artB)).weight).to.equal(0n);
      expect(await pools.queryFilter(pools.filters.ArtifactAdmitted(poolId))).to.deep.equal([]);
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
    it("pool() reports every field mid-stream", async function () {
      const { pools, token, curator, newCurator, funder, poolId, artA, artB } =
        await loadFixture(poolsFixture);
      await pools.connect(curator).admit(poolId, artA, 2);
      await pools.connect(curator).admit(poolId, artB, 2);
      await pools.connect(curator).proposeCurator(poolId, newCurator);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(4000), 1000);
      await time.increaseTo(start + 250);
      // 250 s of 4 tokens/s = 1000 tokens released over weight 4: index 250 tokens per unit of weight.
      expect(await poolState(pools, poolId)).to.deep.equal({
        token: await token.getAddress(),
        curator: curator.address,
        pendingCurator: newCurator.address,
        totalWeight: 4n,
        index: tokens(250) * SCALE,
        lastUpdate: BigInt(start),
        streamRemaining: tokens(3000),
        streamEnd: BigInt(start + 1000),
        streamRatePerSecond: tokens(4),
        carried: 0n,
      });
      await time.increaseTo(start + 1000);
      const ended = await poolState(pools, poolId);
      expect(ended.index).to.equal(tokens(1000) * SCALE);
      expect(ended.streamRemaining).to.equal(0n);
      expect(ended.streamRatePerSecond).to.equal(0n);
      expect(ended.lastUpdate).to.equal(BigInt(start));
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
      await pools.connect(stranger).settle(poolId, [artC]);
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
