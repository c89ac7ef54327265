import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";

import {
  SCALE,
  createPool,
  deploySuite,
  deployToken,
  digestOf,
  registerArtifact,
  signClaim,
  target,
  tokens,
  txTimestamp,
} from "./helpers/pools";
import { named, poolEventsOf } from "./helpers/curation";
import type { MockERC1271Wallet } from "../typechain-types";

const FAR = 2n ** 40n;
/** A `maxAmount` that bounds nothing. */
const UNBOUNDED = ethers.MaxUint256;

async function claimsFixture() {
  const [deployer, curator, alice, bob, carol, dave, erin, funder, relayer, walletOwner, stranger] =
    await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  const wallet = (await ethers.deployContract("MockERC1271Wallet", [
    walletOwner.address,
  ])) as unknown as MockERC1271Wallet;

  const artA = await registerArtifact(registry, deployer, {
    name: "claims/A",
    contributors: [
      [alice, 60],
      [bob, 40],
    ],
  });
  const artB = await registerArtifact(registry, deployer, {
    name: "claims/B",
    contributors: [
      [alice, 50],
      [carol, 50],
    ],
  });
  const artD = await registerArtifact(registry, deployer, { name: "claims/D", contributors: [[alice, 100]] });
  const artR = await registerArtifact(registry, deployer, { name: "claims/R", contributors: [[dave, 100]] });
  const artW = await registerArtifact(registry, deployer, {
    name: "claims/W",
    contributors: [[wallet, 100]],
  });
  // C passes 20 % of what it earns to A, B and D.
  const artC = await registerArtifact(registry, deployer, {
    name: "claims/C",
    contributors: [[erin, 100]],
    parents: [artA, artB, artD],
    upstreamBps: 2000,
  });
  const unregistered = digestOf("claims/never registered");
  // A four-level lineage L3 → L2 → L1 → L0, each passing half of what it earns to its parent.
  const lin0 = await registerArtifact(registry, deployer, { name: "claims/L0", contributors: [[carol, 1]] });
  const lin1 = await registerArtifact(registry, deployer, {
    name: "claims/L1",
    contributors: [[dave, 1]],
    parents: [lin0],
    upstreamBps: 5000,
  });
  const lin2 = await registerArtifact(registry, deployer, {
    name: "claims/L2",
    contributors: [[bob, 1]],
    parents: [lin1],
    upstreamBps: 5000,
  });
  const lin3 = await registerArtifact(registry, deployer, {
    name: "claims/L3",
    contributors: [[erin, 1]],
    parents: [lin2],
    upstreamBps: 5000,
  });
  // K passes 20 % to P and Q, which its owner may retract.
  const artP = await registerArtifact(registry, deployer, { name: "claims/P", contributors: [[carol, 1]] });
  const artQ = await registerArtifact(registry, deployer, { name: "claims/Q", contributors: [[dave, 1]] });
  const artK = await registerArtifact(registry, deployer, {
    name: "claims/K",
    contributors: [[erin, 1]],
    parents: [artP, artQ],
    upstreamBps: 2000,
  });

  await token.connect(funder).approve(pools, ethers.MaxUint256);
  // Pool 1: A, B, D, R, W with weight 1 each; 5000 tokens → 1000 per artifact.
  const poolId = await createPool(pools, curator, token, curator);
  for (const artifact of [artA, artB, artD, artR, artW])
    await pools.connect(curator).admit(poolId, artifact, 1);
  await pools.connect(funder).fund(poolId, tokens(5000));
  // Pool 2: only the child C (its parents are not members); 1000 tokens → C.
  const childPoolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(childPoolId, artC, 1);
  await pools.connect(funder).fund(childPoolId, tokens(1000));
  // Pool 3: A admitted, never funded.
  const dryPoolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(dryPoolId, artA, 1);

  return {
    registry,
    pools,
    token,
    wallet,
    deployer,
    curator,
    alice,
    bob,
    carol,
    dave,
    erin,
    funder,
    relayer,
    walletOwner,
    stranger,
    artA,
    artB,
    artC,
    artD,
    artR,
    artW,
    unregistered,
    lin0,
    lin1,
    lin2,
    lin3,
    artP,
    artQ,
    artK,
    poolId,
    childPoolId,
    dryPoolId,
  };
}

/** The token Transfer logs of a mined transaction. */
async function transfersOf(
  tx: ContractTransactionResponse,
  token: { interface: any; getAddress(): Promise<string> },
) {
  const receipt = await tx.wait();
  const address = await token.getAddress();
  return receipt!.logs
    .filter((log) => log.address === address)
    .map((log) => token.interface.parseLog(log))
    .filter((parsed) => parsed?.name === "Transfer")
    .map((parsed) => parsed!.args.toArray());
}

// C's 1000 tokens in pool 2: 20 % = 200 tokens flows up, in equal scaled parts to A, B, D; the remainder of
// dividing by 3 goes to the first parent. outflow = 200e18 · 2^40 ≡ 2 (mod 3).
const OUTFLOW = 200n * 10n ** 18n * SCALE;
const PART = OUTFLOW / 3n; // 73300775185066666666666666666666
const FIRST = OUTFLOW - 2n * PART; // PART + 2

describe("RewardPools", function () {
  describe("claim", function () {
    it("pays the caller to itself: RewardsClaimed with all arguments and one Transfer", async function () {
      const { pools, token, alice, bob, poolId, artA } = await loadFixture(claimsFixture);
      expect(await pools.connect(alice).claim.staticCall(poolId, [target(artA, 0)], alice)).to.equal(
        tokens(600),
      );
      const tx = pools.connect(alice).claim(poolId, [target(artA, 0)], alice);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, alice.address, 0n, alice.address, tokens(600));
      await expect(tx)
        .to.emit(token, "Transfer")
        .withArgs(await pools.getAddress(), alice.address, tokens(600));
      await expect(tx).to.changeTokenBalances(token, [pools, alice, bob], [-tokens(600), tokens(600), 0n]);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(tokens(600));
      expect(await pools.claimed(poolId, artA, 1)).to.equal(0n);
      expect(await pools.claimable(poolId, artA, alice)).to.equal(0n);
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(400));
    });

    it("pays another recipient (a blocklisted contributor is paid elsewhere)", async function () {
      const { pools, token, bob, erin, poolId, artA } = await loadFixture(claimsFixture);
      const tx = pools.connect(bob).claim(poolId, [target(artA, 1)], erin);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, bob.address, 1n, erin.address, tokens(400));
      await expect(tx).to.changeTokenBalances(token, [pools, bob, erin], [-tokens(400), 0n, tokens(400)]);
      expect(await pools.claimed(poolId, artA, 1)).to.equal(tokens(400));
    });

    it("claims many artifacts in one call with one RewardsClaimed each and exactly one Transfer", async function () {
      const { pools, token, alice, poolId, artA, artB, artD } = await loadFixture(claimsFixture);
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(tokens(2100));
      const tx = await pools
        .connect(alice)
        .claim(poolId, [target(artA, 0), target(artB, 0), target(artD, 0)], alice);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, alice.address, 0n, alice.address, tokens(600))
        .and.to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artB, alice.address, 0n, alice.address, tokens(500))
        .and.to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artD, alice.address, 0n, alice.address, tokens(1000));
      const receipt = await tx.wait();
      const claimedEvents = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "RewardsClaimed");
      expect(claimedEvents.length).to.equal(3);
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), alice.address, tokens(2100)],
      ]);
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(0n);
    });

    it("skips targets with nothing left and emits only for those that pay", async function () {
      const { pools, token, alice, poolId, artA, artB } = await loadFixture(claimsFixture);
      await pools.connect(alice).claim(poolId, [target(artA, 0)], alice);
      const tx = await pools.connect(alice).claim(poolId, [target(artA, 0), target(artB, 0)], alice);
      const receipt = await tx.wait();
      const claimedEvents = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "RewardsClaimed")
        .map((parsed) => parsed!.args.toArray());
      expect(claimedEvents).to.deep.equal([[poolId, artB, alice.address, 0n, alice.address, tokens(500)]]);
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), alice.address, tokens(500)],
      ]);
    });

    it("pays duplicate targets once", async function () {
      const { pools, token, alice, poolId, artA, artB } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0), target(artA, 0), target(artB, 0), target(artA, 0)];
      const tx = await pools.connect(alice).claim(poolId, targets, alice);
      const receipt = await tx.wait();
      const claimedEvents = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "RewardsClaimed")
        .map((parsed) => parsed!.args.toArray());
      expect(claimedEvents).to.deep.equal([
        [poolId, artA, alice.address, 0n, alice.address, tokens(600)],
        [poolId, artB, alice.address, 0n, alice.address, tokens(500)],
      ]);
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), alice.address, tokens(1100)],
      ]);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(tokens(600));
    });

    it("reverts with NothingToClaim(poolId, account) when nothing accrued, on an immediate second claim and for no targets", async function () {
      const { pools, alice, poolId, dryPoolId, childPoolId, artA } = await loadFixture(claimsFixture);
      await expect(pools.connect(alice).claim(dryPoolId, [target(artA, 0)], alice))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(dryPoolId, alice.address);
      // A is not a member of pool 2 and nothing flowed to it yet.
      await expect(pools.connect(alice).claim(childPoolId, [target(artA, 0)], alice))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(childPoolId, alice.address);
      await pools.connect(alice).claim(poolId, [target(artA, 0)], alice);
      await expect(pools.connect(alice).claim(poolId, [target(artA, 0)], alice))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, alice.address);
      await expect(pools.connect(alice).claim(poolId, [], alice))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, alice.address);
    });

    it("reverts with NotContributor(artifact, slot, account) for someone else's slot, a slot past the end or an unknown artifact", async function () {
      const { pools, alice, bob, stranger, poolId, artA, unregistered } = await loadFixture(claimsFixture);
      await expect(pools.connect(bob).claim(poolId, [target(artA, 0)], bob))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, bob.address);
      await expect(pools.connect(alice).claim(poolId, [target(artA, 5)], alice))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 5n, alice.address);
      await expect(pools.connect(alice).claim(poolId, [target(unregistered, 0)], alice))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(unregistered, 0n, alice.address);
      await expect(pools.connect(stranger).claim(poolId, [target(artA, 1)], stranger))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 1n, stranger.address);
      // One bad target fails the whole call, nothing is paid.
      await expect(pools.connect(alice).claim(poolId, [target(artA, 0), target(artA, 1)], alice))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 1n, alice.address);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(0n);
    });

    it("reverts with InvalidRecipient for the zero address and UnknownPool(id) for a missing pool", async function () {
      const { pools, alice, poolId, artA } = await loadFixture(claimsFixture);
      await expect(
        pools.connect(alice).claim(poolId, [target(artA, 0)], ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(pools, "InvalidRecipient");
      await expect(pools.connect(alice).claim(9, [target(artA, 0)], alice))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });
  });

  describe("slot moves", function () {
    it("lets the new holder claim only the unclaimed rest, and the old address nothing", async function () {
      const { registry, pools, token, funder, bob, erin, poolId, artA } = await loadFixture(claimsFixture);
      await pools.connect(bob).claim(poolId, [target(artA, 1)], bob); // 400
      await pools.connect(funder).fund(poolId, tokens(5000)); // A +1000: slot 1 +400
      await registry.connect(bob).moveSlot(artA, 1, erin);

      expect(await pools.claimable(poolId, artA, bob)).to.equal(0n);
      expect(await pools.claimable(poolId, artA, erin)).to.equal(tokens(400));
      expect(await pools.claimableBySlot(poolId, artA, 1)).to.equal(tokens(400));
      await expect(pools.connect(bob).claim(poolId, [target(artA, 1)], bob))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 1n, bob.address);

      const tx = pools.connect(erin).claim(poolId, [target(artA, 1)], erin);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, erin.address, 1n, erin.address, tokens(400));
      await expect(tx).to.changeTokenBalances(token, [pools, erin, bob], [-tokens(400), tokens(400), 0n]);
      expect(await pools.claimed(poolId, artA, 1)).to.equal(tokens(800));
      expect(await token.balanceOf(bob)).to.equal(tokens(400));
    });

    it("gives the new holder everything when the old one never claimed", async function () {
      const { registry, pools, token, alice, erin, poolId, artD } = await loadFixture(claimsFixture);
      await registry.connect(alice).moveSlot(artD, 0, erin);
      await expect(pools.connect(erin).claim(poolId, [target(artD, 0)], erin)).to.changeTokenBalances(
        token,
        [pools, erin, alice],
        [-tokens(1000), tokens(1000), 0n],
      );
    });
  });

  describe("removal and retraction", function () {
    it("keeps what a removed artifact earned claimable, and it earns nothing after", async function () {
      const { pools, token, curator, funder, alice, bob, poolId, artA } = await loadFixture(claimsFixture);
      await pools.connect(curator).remove(poolId, artA);
      await pools.connect(funder).fund(poolId, tokens(5000)); // B, D, R, W: 1250 each
      await expect(pools.connect(alice).claim(poolId, [target(artA, 0)], alice)).to.changeTokenBalances(
        token,
        [pools, alice],
        [-tokens(600), tokens(600)],
      );
      await expect(pools.connect(bob).claim(poolId, [target(artA, 1)], bob)).to.changeTokenBalances(
        token,
        [pools, bob],
        [-tokens(400), tokens(400)],
      );
      expect(await pools.claimable(poolId, artA, alice)).to.equal(0n);
    });

    it("keeps what a retracted artifact earned claimable (it stays a member until the curator removes it)", async function () {
      const { registry, pools, token, deployer, curator, funder, dave, poolId, artR } =
        await loadFixture(claimsFixture);
      await registry.connect(deployer).retract(artR, "superseded");
      await expect(pools.connect(dave).claim(poolId, [target(artR, 0)], dave))
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artR, dave.address, 0n, dave.address, tokens(1000));
      await pools.connect(funder).fund(poolId, tokens(5000)); // still weight 1 of 5
      await pools.connect(curator).remove(poolId, artR);
      await pools.connect(funder).fund(poolId, tokens(4000)); // R has left
      await expect(pools.connect(dave).claim(poolId, [target(artR, 0)], dave)).to.changeTokenBalances(
        token,
        [pools, dave],
        [-tokens(1000), tokens(1000)],
      );
      // Retracted artifacts cannot come back.
      await expect(pools.connect(curator).admit(poolId, artR, 1))
        .to.be.revertedWithCustomError(pools, "ArtifactIsRetracted")
        .withArgs(artR);
    });
  });

  describe("upstream flow on claim and settle", function () {
    it("settles a child on claim: pays its kept part and flows the rest to its parents, remainder to the first", async function () {
      const { pools, token, erin, alice, bob, carol, childPoolId, artA, artB, artC, artD } =
        await loadFixture(claimsFixture);
      expect(await pools.claimable(childPoolId, artC, erin)).to.equal(tokens(800));
      const tx = pools.connect(erin).claim(childPoolId, [target(artC, 0), target(artC, 0)], erin);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(childPoolId, artC, erin.address, 0n, erin.address, tokens(800))
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(childPoolId, artC, artA, FIRST)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(childPoolId, artC, artB, PART)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(childPoolId, artC, artD, PART);
      await expect(tx).to.changeTokenBalances(token, [pools, erin], [-tokens(800), tokens(800)]);
      const receipt = await (await tx).wait();
      const flows = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "UpstreamFlowed");
      expect(flows.length).to.equal(3);

      // A, B, D are not members of pool 2, yet they receive and can claim.
      const a = await pools.member(childPoolId, artA);
      expect([a.weight, a.earnedScaled, a.totalShares]).to.deep.equal([0n, FIRST, 100n]);
      expect(await pools.claimable(childPoolId, artA, alice)).to.equal(40000000000000000000n); // 0.6 · 66.67 = 40
      expect(await pools.claimable(childPoolId, artA, bob)).to.equal(26666666666666666666n); // floor(26.67)
      expect(await pools.claimable(childPoolId, artB, carol)).to.equal(33333333333333333333n); // floor(33.33)
      await expect(
        pools.connect(alice).claim(childPoolId, [target(artA, 0), target(artB, 0), target(artD, 0)], alice),
      ).to.changeTokenBalances(
        token,
        [pools, alice],
        [
          // 40 + floor(33.33…) + floor(66.66…)
          -(40000000000000000000n + 33333333333333333333n + 66666666666666666666n),
          40000000000000000000n + 33333333333333333333n + 66666666666666666666n,
        ],
      );
    });

    it("settle is permissionless, moves the flow without paying, and ignores artifacts the pool never met", async function () {
      const { pools, token, stranger, erin, alice, childPoolId, artA, artC, unregistered } =
        await loadFixture(claimsFixture);
      expect(await pools.claimable(childPoolId, artA, alice)).to.equal(0n);
      const tx = pools.connect(stranger).settle(childPoolId, [unregistered, artC], 1);
      await expect(tx).to.emit(pools, "UpstreamFlowed").withArgs(childPoolId, artC, artA, FIRST);
      await expect(tx).to.changeTokenBalances(token, [pools, stranger, erin], [0n, 0n, 0n]);
      expect((await pools.member(childPoolId, artC)).earnedScaled).to.equal(tokens(800) * SCALE);
      expect(await pools.claimable(childPoolId, artC, erin)).to.equal(tokens(800));
      expect(await pools.claimable(childPoolId, artA, alice)).to.equal(40000000000000000000n);
      // Settling again moves nothing.
      await expect(pools.connect(stranger).settle(childPoolId, [artC], 1)).not.to.emit(
        pools,
        "UpstreamFlowed",
      );
      await expect(pools.connect(stranger).settle(9, [artC], 1))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });
    it("lets a parent that passes on everything (upstreamBps 10000) keep nothing and forward on its own settlement", async function () {
      const { registry, pools, token, deployer, curator, funder, stranger, carol, dave, erin } =
        await loadFixture(claimsFixture);
      const root = await registerArtifact(registry, deployer, {
        name: "claims/root",
        contributors: [[carol, 1]],
      });
      const relay = await registerArtifact(registry, deployer, {
        name: "claims/relay",
        contributors: [[dave, 1]],
        parents: [root],
        upstreamBps: 10_000,
      });
      const leaf = await registerArtifact(registry, deployer, {
        name: "claims/leaf",
        contributors: [[erin, 1]],
        parents: [relay],
        upstreamBps: 5000,
      });
      const poolId = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(poolId, leaf, 1);
      await pools.connect(funder).fund(poolId, tokens(1000));

      // leaf: 1000 → 500 kept, 500 to relay, which keeps 0 and holds all 500 pending.
      await expect(pools.connect(erin).claim(poolId, [target(leaf, 0)], erin))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, leaf, relay, tokens(500) * SCALE);
      const pending = await pools.member(poolId, relay);
      expect([pending.earnedScaled, pending.pendingUpstreamScaled]).to.deep.equal([0n, tokens(500) * SCALE]);
      expect(await pools.claimable(poolId, relay, dave)).to.equal(0n);
      // A claim on relay would pay nothing and revert (undoing its settlement); settle forwards the flow.
      await expect(pools.connect(dave).claim(poolId, [target(relay, 0)], dave))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, dave.address);
      await expect(pools.connect(stranger).settle(poolId, [relay], 1))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, relay, root, tokens(500) * SCALE);
      expect((await pools.member(poolId, relay)).pendingUpstreamScaled).to.equal(0n);
      await expect(pools.connect(carol).claim(poolId, [target(root, 0)], carol)).to.changeTokenBalances(
        token,
        [pools, carol],
        [-tokens(500), tokens(500)],
      );
      expect(await token.balanceOf(dave)).to.equal(0n);
    });

    it("emits UpstreamFlowed only for parents whose part is non-zero (an outflow of 1 scaled unit over 2 parents)", async function () {
      const { registry, pools, token, deployer, curator, funder, stranger, alice, bob, erin } =
        await loadFixture(claimsFixture);
      const first = await registerArtifact(registry, deployer, {
        name: "claims/tiny/P1",
        contributors: [[alice, 1]],
      });
      const second = await registerArtifact(registry, deployer, {
        name: "claims/tiny/P2",
        contributors: [[bob, 1]],
      });
      const kid = await registerArtifact(registry, deployer, {
        name: "claims/tiny/K",
        contributors: [[erin, 1]],
        parents: [first, second],
        upstreamBps: 1,
      });
      const filler = await registerArtifact(registry, deployer, {
        name: "claims/tiny/filler",
        contributors: [[erin, 1]],
      });
      // Total weight 1 + 109,951,161 = floor(2^40 / 10,000): 1 wei raises the index by exactly 10,000 scaled
      // units, so K (weight 1) earns 10,000 and passes 10,000 · 1 / 10,000 = 1 scaled unit upstream.
      const fillerWeight = 109_951_161n;
      expect(SCALE / (fillerWeight + 1n)).to.equal(10_000n);
      const poolId = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admitMany(poolId, [kid, filler], [1, fillerWeight]);
      await pools.connect(funder).fund(poolId, 1n);
      const state = await pools.pool(poolId);
      expect([state.index, state.carried]).to.deep.equal([10_000n, 0n]);

      // 1 over 2 parents: the first takes the remainder 1, the second a part of 0, which moves nothing.
      const tx = await pools.connect(stranger).settle(poolId, [kid], 1);
      await expect(tx).to.emit(pools, "UpstreamFlowed").withArgs(poolId, kid, first, 1n);
      const receipt = await tx.wait();
      const flows = receipt!.logs
        .map((log) => pools.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "UpstreamFlowed")
        .map((parsed) => parsed!.args.toArray());
      expect(flows).to.deep.equal([[poolId, kid, first, 1n]]);
      const k = await pools.member(poolId, kid);
      expect([k.earnedScaled, k.pendingUpstreamScaled]).to.deep.equal([9_999n, 0n]);
      const p1 = await pools.member(poolId, first);
      expect([p1.weight, p1.earnedScaled, p1.totalShares]).to.deep.equal([0n, 1n, 1n]);
      // The pool never met the second parent.
      const p2 = await pools.member(poolId, second);
      expect([p2.earnedScaled, p2.pendingUpstreamScaled, p2.totalShares]).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("claimBySig", function () {
    it("lets a relayer pay the gas: tokens go to the signed recipient and the nonce increments", async function () {
      const { pools, token, alice, erin, relayer, poolId, artA, artD } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0), target(artD, 0)];
      const message = {
        poolId,
        targets,
        recipient: erin.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      };
      const signature = await signClaim(alice, pools, message);
      const tx = pools
        .connect(relayer)
        .claimBySig(poolId, targets, erin.address, alice.address, UNBOUNDED, 0n, FAR, signature);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, alice.address, 0n, erin.address, tokens(600))
        .and.to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artD, alice.address, 0n, erin.address, tokens(1000));
      await expect(tx).to.changeTokenBalances(
        token,
        [pools, erin, alice, relayer],
        [-tokens(1600), tokens(1600), 0n, 0n],
      );
      await expect(tx).to.changeEtherBalance(alice, 0n);
      expect(await pools.nonces(alice)).to.equal(1n);
      expect(await pools.nonces(relayer)).to.equal(0n);
    });

    it("uses the EIP-712 domain RewardPools / 1 on this chain and contract", async function () {
      const { pools } = await loadFixture(claimsFixture);
      const domain = await pools.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "RewardPools",
        "1",
        chainId,
        await pools.getAddress(),
      ]);
    });

    it("accepts a signature until its deadline and reverts with SignatureExpired(deadline) after", async function () {
      const { pools, token, alice, relayer, poolId, artA, artD } = await loadFixture(claimsFixture);
      const deadline = BigInt(await time.latest()) + 100n;
      const targetsA = [target(artA, 0)];
      const sigA = await signClaim(alice, pools, {
        poolId,
        targets: targetsA,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline,
      });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targetsA, alice.address, alice.address, UNBOUNDED, 0n, deadline, sigA),
      )
        .to.be.revertedWithCustomError(pools, "SignatureExpired")
        .withArgs(deadline);

      const deadline2 = BigInt(await time.latest()) + 100n;
      const targetsD = [target(artD, 0)];
      const sigD = await signClaim(alice, pools, {
        poolId,
        targets: targetsD,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: deadline2,
      });
      await time.setNextBlockTimestamp(deadline2);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targetsD, alice.address, alice.address, UNBOUNDED, 0n, deadline2, sigD),
      ).to.changeTokenBalances(token, [pools, alice], [-tokens(1000), tokens(1000)]);
    });

    it("reverts a replay with InvalidNonce(account, current)", async function () {
      const { pools, alice, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const message = {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      };
      const signature = await signClaim(alice, pools, message);
      await pools
        .connect(relayer)
        .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, signature);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidNonce")
        .withArgs(alice.address, 1n);
    });

    it("reverts with InvalidSignature(claimant) when the recipient, targets, pool or signer differ from what was signed", async function () {
      const { pools, alice, bob, erin, relayer, poolId, childPoolId, artA, artD } =
        await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const message = {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      };
      const signature = await signClaim(alice, pools, message);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, erin.address, alice.address, UNBOUNDED, 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, [target(artD, 0)], alice.address, alice.address, UNBOUNDED, 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(childPoolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR - 1n, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      const byBob = await signClaim(bob, pools, message);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, byBob),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      expect(await pools.nonces(alice)).to.equal(0n);
    });

    it("reverts with InvalidSignature(claimant) for a 64-byte compact (ERC-2098) signature, which ECDSA rejects", async function () {
      const { pools, token, alice, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const signature = await signClaim(alice, pools, {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      });
      const compact = ethers.Signature.from(signature).compactSerialized;
      expect(ethers.dataLength(compact)).to.equal(64);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, compact),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      expect(await pools.nonces(alice)).to.equal(0n);
      // The same signature in its 65-byte form is accepted.
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, signature),
      ).to.changeTokenBalances(token, [pools, alice], [-tokens(600), tokens(600)]);
    });

    it("reverts with NotContributor(artifact, slot, claimant) when the signer holds no such slot", async function () {
      const { pools, bob, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const signature = await signClaim(bob, pools, {
        poolId,
        targets,
        recipient: bob.address,
        claimant: bob.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      });
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, bob.address, bob.address, UNBOUNDED, 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, bob.address);
    });

    it("accepts an EIP-1271 smart wallet as claimant", async function () {
      const { pools, token, wallet, walletOwner, stranger, relayer, poolId, artW } =
        await loadFixture(claimsFixture);
      const walletAddress = await wallet.getAddress();
      const targets = [target(artW, 0)];
      const message = {
        poolId,
        targets,
        recipient: walletOwner.address,
        claimant: walletAddress,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      };
      const byStranger = await signClaim(stranger, pools, message);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, walletOwner.address, walletAddress, UNBOUNDED, 0n, FAR, byStranger),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(walletAddress);

      const signature = await signClaim(walletOwner, pools, message);
      const tx = pools
        .connect(relayer)
        .claimBySig(poolId, targets, walletOwner.address, walletAddress, UNBOUNDED, 0n, FAR, signature);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artW, walletAddress, 0n, walletOwner.address, tokens(1000));
      await expect(tx).to.changeTokenBalances(
        token,
        [pools, walletOwner, wallet],
        [-tokens(1000), tokens(1000), 0n],
      );
      expect(await pools.nonces(walletAddress)).to.equal(1n);
    });
  });

  describe("claimFor", function () {
    it("lets anyone pay an account what it earned, to the account itself, in one transfer", async function () {
      const { pools, token, alice, stranger, poolId, artA, artD } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0), target(artD, 0)];
      expect(await pools.connect(stranger).claimFor.staticCall(poolId, alice, targets)).to.equal(
        tokens(1600),
      );
      const tx = await pools.connect(stranger).claimFor(poolId, alice, targets);
      expect(named(await poolEventsOf(pools, tx), "RewardsClaimed")).to.deep.equal([
        [poolId, artA, alice.address, 0n, alice.address, tokens(600)],
        [poolId, artD, alice.address, 0n, alice.address, tokens(1000)],
      ]);
      await expect(tx).to.changeTokenBalances(
        token,
        [pools, alice, stranger],
        [-tokens(1600), tokens(1600), 0n],
      );
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), alice.address, tokens(1600)],
      ]);
      expect(await pools.claimableMany(poolId, [artA, artD], alice)).to.equal(0n);
    });

    it("has no recipient: the holder alone chooses another one, with claim or claimBySig", async function () {
      const { pools } = await loadFixture(claimsFixture);
      const inputs = pools.interface.getFunction("claimFor")!.inputs.map((input) => input.name);
      expect(inputs).to.deep.equal(["poolId", "account", "targets"]);
    });

    it("reverts with NotContributor(artifact, slot, account) for a slot the account does not hold, the caller's own included", async function () {
      const { pools, alice, bob, poolId, artA } = await loadFixture(claimsFixture);
      // Bob's own slot cannot be paid to alice.
      await expect(pools.connect(bob).claimFor(poolId, alice, [target(artA, 1)]))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 1n, alice.address);
      await expect(pools.connect(alice).claimFor(poolId, bob, [target(artA, 0)]))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, bob.address);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(0n);
      expect(await pools.claimed(poolId, artA, 1)).to.equal(0n);
    });

    it("reverts with InvalidRecipient for the zero account, NothingToClaim(poolId, account) and UnknownPool(id)", async function () {
      const { pools, alice, stranger, poolId, dryPoolId, artA } = await loadFixture(claimsFixture);
      await expect(
        pools.connect(stranger).claimFor(poolId, ethers.ZeroAddress, [target(artA, 0)]),
      ).to.be.revertedWithCustomError(pools, "InvalidRecipient");
      await expect(pools.connect(stranger).claimFor(dryPoolId, alice, [target(artA, 0)]))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(dryPoolId, alice.address);
      await expect(pools.connect(stranger).claimFor(9, alice, [target(artA, 0)]))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });

    it("pays a moved slot's new holder, never the old one", async function () {
      const { registry, pools, token, bob, erin, stranger, poolId, artA } = await loadFixture(claimsFixture);
      await registry.connect(bob).moveSlot(artA, 1, erin);
      await expect(pools.connect(stranger).claimFor(poolId, bob, [target(artA, 1)]))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 1n, bob.address);
      await expect(pools.connect(stranger).claimFor(poolId, erin, [target(artA, 1)])).to.changeTokenBalances(
        token,
        [pools, erin, bob],
        [-tokens(400), tokens(400), 0n],
      );
    });
  });

  describe("claimBySig with maxAmount", function () {
    it("pays at most maxAmount, targets in order, and leaves the rest claimable", async function () {
      const { pools, token, alice, erin, relayer, poolId, artA, artB, artD } =
        await loadFixture(claimsFixture);
      const targets = [target(artA, 0), target(artD, 0), target(artB, 0)];
      const maxAmount = tokens(1000);
      const signature = await signClaim(alice, pools, {
        poolId,
        targets,
        recipient: erin.address,
        claimant: alice.address,
        maxAmount,
        nonce: 0n,
        deadline: FAR,
      });
      expect(
        await pools
          .connect(relayer)
          .claimBySig.staticCall(poolId, targets, erin.address, alice.address, maxAmount, 0n, FAR, signature),
      ).to.equal(maxAmount);
      const tx = await pools
        .connect(relayer)
        .claimBySig(poolId, targets, erin.address, alice.address, maxAmount, 0n, FAR, signature);
      // A pays its 600 in full, D the 400 left of the bound, B nothing.
      expect(named(await poolEventsOf(pools, tx), "RewardsClaimed")).to.deep.equal([
        [poolId, artA, alice.address, 0n, erin.address, tokens(600)],
        [poolId, artD, alice.address, 0n, erin.address, tokens(400)],
      ]);
      await expect(tx).to.changeTokenBalances(
        token,
        [pools, erin, alice, relayer],
        [-tokens(1000), tokens(1000), 0n, 0n],
      );
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), erin.address, tokens(1000)],
      ]);
      expect(await pools.claimed(poolId, artD, 0)).to.equal(tokens(400));
      expect(await pools.claimable(poolId, artD, alice)).to.equal(tokens(600));
      expect(await pools.claimable(poolId, artB, alice)).to.equal(tokens(500));
      expect(await pools.nonces(alice)).to.equal(1n);

      // A bound above what is owed pays what is owed.
      const second = {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: tokens(5000),
        nonce: 1n,
        deadline: FAR,
      };
      const signature2 = await signClaim(alice, pools, second);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, tokens(5000), 1n, FAR, signature2),
      ).to.changeTokenBalances(token, [pools, alice], [-tokens(1100), tokens(1100)]);
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(0n);
    });

    it("never lets a stale signature pay more than its maxAmount, to its recipient, once", async function () {
      const { pools, token, funder, alice, erin, relayer, dryPoolId, artA } =
        await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const signature = await signClaim(alice, pools, {
        poolId: dryPoolId,
        targets,
        recipient: erin.address,
        claimant: alice.address,
        maxAmount: tokens(100),
        nonce: 0n,
        deadline: FAR,
      });
      const send = () =>
        pools
          .connect(relayer)
          .claimBySig(dryPoolId, targets, erin.address, alice.address, tokens(100), 0n, FAR, signature);
      // Nothing owed yet: the call reverts and the nonce stays unused.
      await expect(send())
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(dryPoolId, alice.address);
      expect(await pools.nonces(alice)).to.equal(0n);

      await pools.connect(funder).fund(dryPoolId, tokens(1000)); // A alone: alice 600
      await expect(send()).to.changeTokenBalances(
        token,
        [pools, erin, alice],
        [-tokens(100), tokens(100), 0n],
      );
      expect(await pools.claimable(dryPoolId, artA, alice)).to.equal(tokens(500));
      await expect(send()).to.be.revertedWithCustomError(pools, "InvalidNonce").withArgs(alice.address, 1n);
      await expect(pools.connect(alice).claim(dryPoolId, targets, alice)).to.changeTokenBalances(
        token,
        [pools, alice],
        [-tokens(500), tokens(500)],
      );
    });

    it("reverts with InvalidNonce(account, current) for a nonce other than the current one", async function () {
      const { pools, alice, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const signature = await signClaim(alice, pools, {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 1n,
        deadline: FAR,
      });
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 1n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidNonce")
        .withArgs(alice.address, 0n);
    });

    it("reverts with InvalidSignature(claimant) when maxAmount differs from the signed one", async function () {
      const { pools, alice, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const signature = await signClaim(alice, pools, {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: tokens(100),
        nonce: 0n,
        deadline: FAR,
      });
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, tokens(101), 0n, FAR, signature),
      )
        .to.be.revertedWithCustomError(pools, "InvalidSignature")
        .withArgs(alice.address);
      expect(await pools.nonces(alice)).to.equal(0n);
    });
  });

  describe("invalidateNonces", function () {
    it("emits NoncesInvalidated(account, newNonce) and voids every signature with a lower nonce", async function () {
      const { pools, token, alice, relayer, poolId, artA } = await loadFixture(claimsFixture);
      const targets = [target(artA, 0)];
      const message = {
        poolId,
        targets,
        recipient: alice.address,
        claimant: alice.address,
        maxAmount: UNBOUNDED,
        nonce: 0n,
        deadline: FAR,
      };
      const old = await signClaim(alice, pools, message);
      const tx = await pools.connect(alice).invalidateNonces(5);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([["NoncesInvalidated", alice.address, 5n]]);
      expect(await pools.nonces(alice)).to.equal(5n);
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 0n, FAR, old),
      )
        .to.be.revertedWithCustomError(pools, "InvalidNonce")
        .withArgs(alice.address, 5n);

      const fresh = await signClaim(alice, pools, { ...message, nonce: 5n });
      await expect(
        pools
          .connect(relayer)
          .claimBySig(poolId, targets, alice.address, alice.address, UNBOUNDED, 5n, FAR, fresh),
      ).to.changeTokenBalances(token, [pools, alice], [-tokens(600), tokens(600)]);
      expect(await pools.nonces(alice)).to.equal(6n);
      // Only the caller's nonce moved.
      expect(await pools.nonces(relayer)).to.equal(0n);
    });

    it("reverts with NonceNotIncreased(current, requested) unless the nonce goes up", async function () {
      const { pools, alice, bob } = await loadFixture(claimsFixture);
      await expect(pools.connect(bob).invalidateNonces(0))
        .to.be.revertedWithCustomError(pools, "NonceNotIncreased")
        .withArgs(0n, 0n);
      await pools.connect(alice).invalidateNonces(5);
      await expect(pools.connect(alice).invalidateNonces(5))
        .to.be.revertedWithCustomError(pools, "NonceNotIncreased")
        .withArgs(5n, 5n);
      await expect(pools.connect(alice).invalidateNonces(3))
        .to.be.revertedWithCustomError(pools, "NonceNotIncreased")
        .withArgs(5n, 3n);
      await expect(pools.connect(alice).invalidateNonces(6))
        .to.emit(pools, "NoncesInvalidated")
        .withArgs(alice.address, 6n);
    });
  });

  describe("multicall", function () {
    it("claims from two pools paying two tokens in one transaction", async function () {
      const { pools, token, curator, funder, alice, poolId, artA } = await loadFixture(claimsFixture);
      const other = await deployToken(funder.address);
      await other.connect(funder).approve(pools, ethers.MaxUint256);
      const otherPool = await createPool(pools, curator, other, curator);
      await pools.connect(curator).admit(otherPool, artA, 1);
      await pools.connect(funder).fund(otherPool, tokens(300)); // alice 180
      const calls = [
        pools.interface.encodeFunctionData("claim", [poolId, [target(artA, 0)], alice.address]),
        pools.interface.encodeFunctionData("claim", [otherPool, [target(artA, 0)], alice.address]),
      ];
      const results = await pools.connect(alice).multicall.staticCall(calls);
      expect(results.map((r) => pools.interface.decodeFunctionResult("claim", r)[0])).to.deep.equal([
        tokens(600),
        tokens(180),
      ]);
      const tx = await pools.connect(alice).multicall(calls);
      expect(named(await poolEventsOf(pools, tx), "RewardsClaimed")).to.deep.equal([
        [poolId, artA, alice.address, 0n, alice.address, tokens(600)],
        [otherPool, artA, alice.address, 0n, alice.address, tokens(180)],
      ]);
      await expect(tx).to.changeTokenBalances(token, [pools, alice], [-tokens(600), tokens(600)]);
      await expect(tx).to.changeTokenBalances(other, [pools, alice], [-tokens(180), tokens(180)]);
    });

    it("claims from two pools on one token: one transfer per pool, exact balances", async function () {
      const { pools, token, curator, funder, alice, poolId, artA, artD } = await loadFixture(claimsFixture);
      const second = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(second, artA, 1);
      await pools.connect(funder).fund(second, tokens(100)); // alice 60
      const tx = await pools
        .connect(alice)
        .multicall([
          pools.interface.encodeFunctionData("claim", [
            poolId,
            [target(artA, 0), target(artD, 0)],
            alice.address,
          ]),
          pools.interface.encodeFunctionData("claim", [second, [target(artA, 0)], alice.address]),
        ]);
      await expect(tx).to.changeTokenBalances(token, [pools, alice], [-tokens(1660), tokens(1660)]);
      expect(await transfersOf(tx, token)).to.deep.equal([
        [await pools.getAddress(), alice.address, tokens(1600)],
        [await pools.getAddress(), alice.address, tokens(60)],
      ]);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(tokens(600));
      expect(await pools.claimed(second, artA, 0)).to.equal(tokens(60));
    });

    it("lets a keeper batch claimFor for several accounts", async function () {
      const { pools, token, alice, bob, stranger, poolId, artA } = await loadFixture(claimsFixture);
      const tx = pools
        .connect(stranger)
        .multicall([
          pools.interface.encodeFunctionData("claimFor", [poolId, alice.address, [target(artA, 0)]]),
          pools.interface.encodeFunctionData("claimFor", [poolId, bob.address, [target(artA, 1)]]),
        ]);
      await expect(tx).to.changeTokenBalances(
        token,
        [pools, alice, bob, stranger],
        [-tokens(1000), tokens(600), tokens(400), 0n],
      );
    });

    it("is all-or-nothing: a failing claim undoes the others", async function () {
      const { pools, token, alice, poolId, dryPoolId, artA } = await loadFixture(claimsFixture);
      await expect(
        pools
          .connect(alice)
          .multicall([
            pools.interface.encodeFunctionData("claim", [poolId, [target(artA, 0)], alice.address]),
            pools.interface.encodeFunctionData("claim", [dryPoolId, [target(artA, 0)], alice.address]),
          ]),
      )
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(dryPoolId, alice.address);
      expect(await pools.claimed(poolId, artA, 0)).to.equal(0n);
      expect(await token.balanceOf(alice)).to.equal(0n);
    });
  });

  describe("settle across levels", function () {
    async function lineagePool() {
      const fixture = await loadFixture(claimsFixture);
      const { pools, token, curator, funder, lin3 } = fixture;
      const lp = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(lp, lin3, 1);
      await pools.connect(funder).fund(lp, tokens(1000));
      return { ...fixture, lp, index: tokens(1000) * SCALE };
    }

    it("with levels 1 moves the flow one step: ArtifactSettled and UpstreamFlowed with all arguments", async function () {
      const { pools, stranger, bob, carol, dave, erin, lp, index, lin0, lin1, lin2, lin3 } =
        await lineagePool();
      const tx = await pools.connect(stranger).settle(lp, [lin3], 1);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["UpstreamFlowed", lp, lin3, lin2, tokens(500) * SCALE],
        ["ArtifactSettled", lp, lin3, index, tokens(500) * SCALE, tokens(500) * SCALE],
      ]);
      // L2 keeps half of its 500 and owes the other half to L1, which has received nothing yet.
      const l2 = await pools.member(lp, lin2);
      expect([l2.earnedScaled, l2.pendingUpstreamScaled]).to.deep.equal([
        tokens(250) * SCALE,
        tokens(250) * SCALE,
      ]);
      expect((await pools.member(lp, lin1)).earnedScaled).to.equal(0n);
      expect(await pools.claimable(lp, lin3, erin)).to.equal(tokens(500));
      expect(await pools.claimable(lp, lin2, bob)).to.equal(tokens(250));
      expect(await pools.claimable(lp, lin1, dave)).to.equal(0n);
      expect(await pools.claimable(lp, lin0, carol)).to.equal(0n);
    });

    for (const levels of [3, 8]) {
      it(`with levels ${levels} carries the flow to the root of a four-level lineage, exact to each ancestor`, async function () {
        const { pools, token, stranger, bob, carol, dave, erin, lp, index, lin0, lin1, lin2, lin3 } =
          await lineagePool();
        const tx = await pools.connect(stranger).settle(lp, [lin3], levels);
        expect(await poolEventsOf(pools, tx)).to.deep.equal([
          ["UpstreamFlowed", lp, lin3, lin2, tokens(500) * SCALE],
          ["ArtifactSettled", lp, lin3, index, tokens(500) * SCALE, tokens(500) * SCALE],
          ["UpstreamFlowed", lp, lin2, lin1, tokens(250) * SCALE],
          ["ArtifactSettled", lp, lin2, index, 0n, tokens(250) * SCALE],
          ["UpstreamFlowed", lp, lin1, lin0, tokens(125) * SCALE],
          ["ArtifactSettled", lp, lin1, index, 0n, tokens(125) * SCALE],
        ]);
        const owed: [typeof erin, string, bigint][] = [
          [erin, lin3, tokens(500)],
          [bob, lin2, tokens(250)],
          [dave, lin1, tokens(125)],
          [carol, lin0, tokens(125)],
        ];
        for (const [account, artifact, amount] of owed) {
          expect(await pools.claimable(lp, artifact, account)).to.equal(amount);
          await expect(
            pools.connect(account).claim(lp, [target(artifact, 0)], account),
          ).to.changeTokenBalances(token, [pools, account], [-amount, amount]);
        }
      });
    }

    it("finishes later what a shorter settle left: settling L2 with levels 2 reaches the root", async function () {
      const { pools, stranger, carol, dave, lp, lin0, lin1, lin2, lin3 } = await lineagePool();
      await pools.connect(stranger).settle(lp, [lin3], 1);
      await pools.connect(stranger).settle(lp, [lin2], 2);
      expect(await pools.claimable(lp, lin1, dave)).to.equal(tokens(125));
      expect(await pools.claimable(lp, lin0, carol)).to.equal(tokens(125));
    });

    it("withholds at a retracted middle ancestor: its child keeps that part, the root gets nothing", async function () {
      const {
        registry,
        pools,
        token,
        deployer,
        stranger,
        bob,
        carol,
        dave,
        lp,
        index,
        lin0,
        lin1,
        lin2,
        lin3,
      } = await lineagePool();
      await registry.connect(deployer).retract(lin1, "withdrawn");
      await pools.connect(stranger).settle(lp, [lin3], 1);
      // L2 owes 250 to L1, which is retracted: the view already counts it as L2's.
      expect(await pools.claimable(lp, lin2, bob)).to.equal(tokens(500));
      const tx = await pools.connect(stranger).settle(lp, [lin2], 2);
      // L2 earned nothing directly and passes nothing on, yet its settlement is logged: it kept the 250.
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["UpstreamWithheld", lp, lin2, lin1, tokens(250) * SCALE],
        ["ArtifactSettled", lp, lin2, index, tokens(250) * SCALE, 0n],
      ]);
      const l2 = await pools.member(lp, lin2);
      expect([l2.earnedScaled, l2.pendingUpstreamScaled]).to.deep.equal([tokens(500) * SCALE, 0n]);
      expect(await pools.claimable(lp, lin2, bob)).to.equal(tokens(500));
      await expect(pools.connect(bob).claim(lp, [target(lin2, 0)], bob)).to.changeTokenBalances(
        token,
        [pools, bob],
        [-tokens(500), tokens(500)],
      );
      expect(await pools.claimable(lp, lin1, dave)).to.equal(0n);
      expect(await pools.claimable(lp, lin0, carol)).to.equal(0n);
    });

    it("reverts with InvalidLevels(levels) for 0 and for more than 8", async function () {
      const { pools, stranger, lp, lin3 } = await lineagePool();
      await expect(pools.connect(stranger).settle(lp, [lin3], 0))
        .to.be.revertedWithCustomError(pools, "InvalidLevels")
        .withArgs(0n);
      await expect(pools.connect(stranger).settle(lp, [lin3], 9))
        .to.be.revertedWithCustomError(pools, "InvalidLevels")
        .withArgs(9n);
    });
  });

  describe("retracted parents", function () {
    async function retractionPool() {
      const fixture = await loadFixture(claimsFixture);
      const { pools, token, curator, funder, artK } = fixture;
      const kp = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(kp, artK, 1);
      await pools.connect(funder).fund(kp, tokens(1000));
      return { ...fixture, kp };
    }

    it("withholds a retracted parent's part of later flow for the child; what the parent was owed stays claimable", async function () {
      const { registry, pools, token, deployer, funder, stranger, carol, dave, erin, kp, artK, artP, artQ } =
        await retractionPool();
      // Before the retraction: K's 200 upstream goes 100 to P, 100 to Q.
      await pools.connect(stranger).settle(kp, [artK], 1);
      expect(await pools.claimable(kp, artP, carol)).to.equal(tokens(100));
      expect(await pools.claimable(kp, artQ, dave)).to.equal(tokens(100));
      expect(await pools.claimable(kp, artK, erin)).to.equal(tokens(800));

      await registry.connect(deployer).retract(artP, "withdrawn");
      expect(await pools.claimable(kp, artP, carol)).to.equal(tokens(100));
      await pools.connect(funder).fund(kp, tokens(1000));
      // K earned 1000 more: it keeps 800 and P's 100; Q gets its 100 when K settles.
      expect(await pools.claimable(kp, artK, erin)).to.equal(tokens(1700));
      expect(await pools.connect(erin).claim.staticCall(kp, [target(artK, 0)], erin)).to.equal(tokens(1700));
      const tx = await pools.connect(erin).claim(kp, [target(artK, 0)], erin);
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["UpstreamWithheld", kp, artK, artP, tokens(100) * SCALE],
        ["UpstreamFlowed", kp, artK, artQ, tokens(100) * SCALE],
        ["ArtifactSettled", kp, artK, tokens(2000) * SCALE, tokens(900) * SCALE, tokens(100) * SCALE],
        ["RewardsClaimed", kp, artK, erin.address, 0n, erin.address, tokens(1700)],
      ]);
      await expect(tx).to.changeTokenBalances(token, [pools, erin], [-tokens(1700), tokens(1700)]);

      // P keeps what it was owed before its retraction, and nothing more.
      expect(await pools.claimable(kp, artP, carol)).to.equal(tokens(100));
      await expect(pools.connect(carol).claim(kp, [target(artP, 0)], carol)).to.changeTokenBalances(
        token,
        [pools, carol],
        [-tokens(100), tokens(100)],
      );
      expect(await pools.claimable(kp, artQ, dave)).to.equal(tokens(200));
      await expect(pools.connect(dave).claim(kp, [target(artQ, 0)], dave)).to.changeTokenBalances(
        token,
        [pools, dave],
        [-tokens(200), tokens(200)],
      );
      expect(await pools.claimable(kp, artK, erin)).to.equal(0n);
    });

    it("emits UpstreamWithheld from settle too, and the views match what claims pay", async function () {
      const { registry, pools, token, deployer, stranger, carol, dave, erin, kp, artK, artP, artQ } =
        await retractionPool();
      await registry.connect(deployer).retract(artP, "withdrawn");
      const tx = await pools.connect(stranger).settle(kp, [artK], 1);
      const index = tokens(1000) * SCALE;
      expect(await poolEventsOf(pools, tx)).to.deep.equal([
        ["UpstreamWithheld", kp, artK, artP, tokens(100) * SCALE],
        ["UpstreamFlowed", kp, artK, artQ, tokens(100) * SCALE],
        ["ArtifactSettled", kp, artK, index, tokens(900) * SCALE, tokens(100) * SCALE],
      ]);
      for (const [account, artifact, amount] of [
        [erin, artK, tokens(900)],
        [dave, artQ, tokens(100)],
      ] as const) {
        expect(await pools.claimable(kp, artifact, account)).to.equal(amount);
        await expect(pools.connect(account).claim(kp, [target(artifact, 0)], account)).to.changeTokenBalances(
          token,
          [pools, account],
          [-amount, amount],
        );
      }
      expect(await pools.claimable(kp, artP, carol)).to.equal(0n);
      await expect(pools.connect(carol).claim(kp, [target(artP, 0)], carol))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(kp, carol.address);
    });
  });

  describe("claimable views", function () {
    it("equal what claim pays, mid-stream", async function () {
      const { pools, token, funder, alice, bob, poolId, artA, artB, artD } = await loadFixture(claimsFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      // 5 tokens/s over weight 5: each artifact earns 1 token/s; alice gets 0.6 + 0.5 + 1 = 2.1 tokens/s.
      await pools.connect(funder).fundStream(poolId, tokens(5000), 1000, false, 0);
      await time.increaseTo(start + 100);
      const targets = [target(artA, 0), target(artB, 0), target(artD, 0)];
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(tokens(2310));
      expect(await pools.claimable(poolId, artA, alice)).to.equal(tokens(660));
      expect(await pools.claimableBySlot(poolId, artA, 0)).to.equal(tokens(660));
      expect(await pools.claimableBySlot(poolId, artA, 1)).to.equal(tokens(440));
      expect(await pools.claimable(poolId, artA, bob)).to.equal(tokens(440));
      expect(await pools.connect(alice).claim.staticCall(poolId, targets, alice)).to.equal(tokens(2310));

      await time.setNextBlockTimestamp(start + 200);
      const tx = pools.connect(alice).claim(poolId, targets, alice);
      await expect(tx).to.changeTokenBalances(token, [pools, alice], [-tokens(2520), tokens(2520)]);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artA, alice.address, 0n, alice.address, tokens(720));
      // Right after, in the same block: nothing left.
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(0n);
      expect(await pools.claimableBySlot(poolId, artA, 0)).to.equal(0n);
      await time.increaseTo(start + 300);
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(tokens(210));
    });

    it("equal what claim pays when a stream end is due, which the claim processes once", async function () {
      const { pools, token, funder, alice, bob, poolId, artA, artB, artD } = await loadFixture(claimsFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(5000), 1000, false, 0);
      await time.increaseTo(start + 1050);
      // The whole stream is out: 1000 more per artifact.
      expect(await pools.claimableMany(poolId, [artA, artB, artD], alice)).to.equal(tokens(4200));
      expect(await pools.claimableBySlot(poolId, artA, 1)).to.equal(tokens(800));
      const targets = [target(artA, 0), target(artB, 0), target(artD, 0)];
      expect(await pools.connect(alice).claim.staticCall(poolId, targets, alice)).to.equal(tokens(4200));
      await time.setNextBlockTimestamp(start + 1060);
      const tx = await pools.connect(alice).claim(poolId, targets, alice);
      const events = await poolEventsOf(pools, tx);
      expect(named(events, "PoolAccrued")).to.deep.equal([
        [poolId, tokens(2000) * SCALE, BigInt(start + 1060), 0n],
      ]);
      await expect(tx).to.changeTokenBalances(token, [pools, alice], [-tokens(4200), tokens(4200)]);
      // The end is processed: the next claim reads the index without storing an accrual.
      const next = await pools.connect(bob).claim(poolId, [target(artA, 1)], bob);
      expect(named(await poolEventsOf(pools, next), "PoolAccrued")).to.deep.equal([]);
      await expect(next).to.changeTokenBalances(token, [pools, bob], [-tokens(800), tokens(800)]);
    });

    it("return 0 for non-contributors, slots past the end and unregistered artifacts", async function () {
      const { pools, stranger, alice, poolId, artA, unregistered } = await loadFixture(claimsFixture);
      expect(await pools.claimable(poolId, artA, stranger)).to.equal(0n);
      expect(await pools.claimableBySlot(poolId, artA, 2)).to.equal(0n);
      expect(await pools.claimable(poolId, unregistered, alice)).to.equal(0n);
      expect(await pools.claimableBySlot(poolId, unregistered, 0)).to.equal(0n);
      expect(await pools.claimableMany(poolId, [artA, unregistered, artA], alice)).to.equal(tokens(1200));
    });

    it("revert with UnknownPool(id)", async function () {
      const { pools, alice, artA } = await loadFixture(claimsFixture);
      await expect(pools.claimable(9, artA, alice))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
      await expect(pools.claimableBySlot(9, artA, 0))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
      await expect(pools.claimableMany(9, [artA], alice))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });
  });
});
