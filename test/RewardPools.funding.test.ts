import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";

import {
  SCALE,
  createPool,
  deploySuite,
  poolState,
  registerArtifact,
  signPermit,
  target,
  tokens,
} from "./helpers/pools";

const MAX_UINT40 = 2n ** 40n - 1n;

async function fundingFixture() {
  const [deployer, curator, alice, bob, carol, funder, stranger, permitter] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  await token.connect(funder).transfer(stranger, tokens(1_000_000));
  await token.connect(funder).transfer(permitter, tokens(1_000_000));

  const artA = await registerArtifact(registry, deployer, {
    name: "funding/A",
    contributors: [
      [alice, 60],
      [bob, 40],
    ],
  });
  const artB = await registerArtifact(registry, deployer, {
    name: "funding/B",
    contributors: [[carol, 100]],
  });

  // Pool 1: A (weight 1) and B (weight 3), total weight 4.
  const poolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(poolId, artA, 1);
  await pools.connect(curator).admit(poolId, artB, 3);
  // Pool 2: nobody admitted yet.
  const emptyPoolId = await createPool(pools, curator, token, curator);

  await token.connect(funder).approve(pools, ethers.MaxUint256);
  await token.connect(stranger).approve(pools, ethers.MaxUint256);
  return {
    registry,
    pools,
    token,
    curator,
    alice,
    bob,
    carol,
    funder,
    stranger,
    permitter,
    artA,
    artB,
    poolId,
    emptyPoolId,
  };
}

/** Claimable of alice (60 % of A, weight 1), bob (40 % of A) and carol (all of B, weight 3) in pool 1. */
async function claimables(fx: Awaited<ReturnType<typeof fundingFixture>>, poolId: bigint = fx.poolId) {
  return [
    await fx.pools.claimable(poolId, fx.artA, fx.alice),
    await fx.pools.claimable(poolId, fx.artA, fx.bob),
    await fx.pools.claimable(poolId, fx.artB, fx.carol),
  ];
}

describe("RewardPools", function () {
  describe("fund", function () {
    it("emits PoolFunded(poolId, funder, amount, received), moves the tokens and distributes at once", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, funder, poolId } = fx;
      const tx = pools.connect(funder).fund(poolId, tokens(400));
      await expect(tx)
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, funder.address, tokens(400), tokens(400));
      await expect(tx).to.changeTokenBalances(token, [funder, pools], [-tokens(400), tokens(400)]);
      // 400 over weight 4 = 100 per unit: A 100 (alice 60, bob 40), B 300.
      expect((await pools.pool(poolId)).index).to.equal(tokens(100) * SCALE);
      expect((await pools.pool(poolId)).carried).to.equal(0n);
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(300)]);
    });

    it("lets anyone fund, not only the curator", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, stranger, poolId } = fx;
      const tx = pools.connect(stranger).fund(poolId, tokens(40));
      await expect(tx)
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, stranger.address, tokens(40), tokens(40));
      await expect(tx).to.changeTokenBalances(token, [stranger, pools], [-tokens(40), tokens(40)]);
      expect(await claimables(fx)).to.deep.equal([tokens(6), tokens(4), tokens(30)]);
    });

    it("reverts with ZeroAmount for 0", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      await expect(pools.connect(funder).fund(poolId, 0)).to.be.revertedWithCustomError(pools, "ZeroAmount");
    });

    it("reverts with UnknownPool(id)", async function () {
      const { pools, funder } = await loadFixture(fundingFixture);
      await expect(pools.connect(funder).fund(3, tokens(1)))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(3n);
      await expect(pools.connect(funder).fund(0, tokens(1)))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(0n);
    });

    it("reverts with the token's ERC20InsufficientAllowance when the funder approved nothing", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      await expect(pools.connect(permitter).fund(poolId, tokens(5)))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await pools.getAddress(), 0n, tokens(5));
    });
  });

  describe("fundStream", function () {
    it("emits StreamFunded(poolId, funder, amount, received, remaining, streamEnd) and moves the tokens", async function () {
      const { pools, token, funder, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      const tx = pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      await expect(tx)
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, funder.address, tokens(1000), tokens(1000), tokens(1000), start + 1000);
      await expect(tx).to.changeTokenBalances(token, [funder, pools], [-tokens(1000), tokens(1000)]);
      const state = await poolState(pools, poolId);
      expect(state.streamRemaining).to.equal(tokens(1000));
      expect(state.streamEnd).to.equal(BigInt(start + 1000));
      expect(state.streamRatePerSecond).to.equal(tokens(1));
      expect(state.lastUpdate).to.equal(BigInt(start));
      expect(state.index).to.equal(0n);
    });

    it("releases linearly: exact index, remaining and claimables at several timestamps", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, poolId } = fx;
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      // 1 token per second over weight 4. After k seconds: index k/4 per unit of weight; A earns k/4 (alice
      // 0.15 k, bob 0.10 k), B earns 3k/4 (carol 0.75 k). All exact in wei.
      const table: [number, string, string, string][] = [
        [1, "0.15", "0.1", "0.75"],
        [250, "37.5", "25", "187.5"],
        [500, "75", "50", "375"],
        [999, "149.85", "99.9", "749.25"],
        [1000, "150", "100", "750"],
        [1500, "150", "100", "750"], // the stream ended at 1000 s
      ];
      for (const [k, alice, bob, carol] of table) {
        await time.increaseTo(start + k);
        const released = tokens(Math.min(k, 1000));
        const state = await poolState(pools, poolId);
        expect(state.index, `index at +${k}s`).to.equal((released * SCALE) / 4n);
        expect(state.streamRemaining, `remaining at +${k}s`).to.equal(tokens(1000) - released);
        expect(state.streamRatePerSecond, `rate at +${k}s`).to.equal(k < 1000 ? tokens(1) : 0n);
        expect(await claimables(fx), `claimables at +${k}s`).to.deep.equal([
          tokens(alice),
          tokens(bob),
          tokens(carol),
        ]);
      }
    });

    it("rounds the released amount and every claimable down", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, poolId } = fx;
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 3);
      await time.increaseTo(start + 1);
      // released = floor(1000e18 / 3) = 333333333333333333333; index = released · 2^40 / 4 exactly.
      // alice = floor(released · 60 / 400) = floor(49999999999999999999.95)
      // bob   = floor(released · 40 / 400) = floor(33333333333333333333.3)
      // carol = floor(released · 300 / 400) = floor(249999999999999999999.75)
      expect((await pools.pool(poolId)).index).to.equal(333333333333333333333n * 2n ** 38n);
      expect(await claimables(fx)).to.deep.equal([
        49999999999999999999n,
        33333333333333333333n,
        249999999999999999999n,
      ]);
      await time.increaseTo(start + 2);
      // released = floor(2000e18 / 3) = 666666666666666666666
      expect(await claimables(fx)).to.deep.equal([
        99999999999999999999n, // floor(99999999999999999999.9)
        66666666666666666666n, // floor(66666666666666666666.6)
        499999999999999999999n, // floor(499999999999999999999.5)
      ]);
      await time.increaseTo(start + 3);
      expect(await claimables(fx)).to.deep.equal([tokens(150), tokens(100), tokens(750)]);
    });

    it("rolls the unreleased remainder of a running stream into the new one", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, stranger, poolId } = fx;
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      // At +400 s, 400 released and 600 left until +1000 s. Moving the end to +1400 s keeps the rate of 1 token
      // per second with at least 600 · 1000 / 600 − 600 = 400 more; 1400 more makes 2000 over 1000 s, 2 per second.
      await time.setNextBlockTimestamp(start + 400);
      await expect(pools.connect(stranger).fundStream(poolId, tokens(1400), 1000))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, stranger.address, tokens(1400), tokens(1400), tokens(2000), start + 1400);
      let state = await poolState(pools, poolId);
      expect(state.index).to.equal(tokens(100) * SCALE);
      expect(state.lastUpdate).to.equal(BigInt(start + 400));
      expect(state.streamRemaining).to.equal(tokens(2000));
      expect(state.streamEnd).to.equal(BigInt(start + 1400));
      expect(state.streamRatePerSecond).to.equal(tokens(2));
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(300)]);

      await time.increaseTo(start + 900);
      // 400 + 2 · 500 = 1400 released: A 350, B 1050.
      state = await poolState(pools, poolId);
      expect(state.streamRemaining).to.equal(tokens(1000));
      expect(state.index).to.equal((tokens(1400) * SCALE) / 4n);
      expect(await claimables(fx)).to.deep.equal([tokens(210), tokens(140), tokens(1050)]);
      await time.increaseTo(start + 1400);
      // All 2400: A 600, B 1800.
      expect(await claimables(fx)).to.deep.equal([tokens(360), tokens(240), tokens(1800)]);
      await time.increaseTo(start + 1500);
      expect(await claimables(fx)).to.deep.equal([tokens(360), tokens(240), tokens(1800)]);
      state = await poolState(pools, poolId);
      expect(state.streamRemaining).to.equal(0n);
      expect(state.streamRatePerSecond).to.equal(0n);

      // A stream after the last one ended starts afresh, with any duration.
      await time.setNextBlockTimestamp(start + 1600);
      await expect(pools.connect(funder).fundStream(poolId, tokens(40), 10))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, funder.address, tokens(40), tokens(40), tokens(40), start + 1610);
      await time.increaseTo(start + 1610);
      expect(await claimables(fx)).to.deep.equal([tokens(366), tokens(244), tokens(1830)]);
    });

    it("reverts a top-up that would end a running stream sooner with StreamEndsEarlier(currentEnd, requestedEnd)", async function () {
      const { pools, token, funder, stranger, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      const balance = await token.balanceOf(pools);

      // Even a top-up far above the rate-keeping amount may not pull the end in by one second.
      await time.setNextBlockTimestamp(start + 400);
      await expect(pools.connect(stranger).fundStream(poolId, tokens(100_000), 599))
        .to.be.revertedWithCustomError(pools, "StreamEndsEarlier")
        .withArgs(start + 1000, start + 999);
      expect(await token.balanceOf(pools)).to.equal(balance);
      const state = await poolState(pools, poolId);
      expect([state.streamEnd, state.lastUpdate]).to.deep.equal([BigInt(start + 1000), BigInt(start)]);

      // The same end takes any amount, however small: the rate can only go up.
      await time.setNextBlockTimestamp(start + 500);
      await expect(pools.connect(stranger).fundStream(poolId, 1n, 500))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, stranger.address, 1n, 1n, tokens(500) + 1n, start + 1000);
    });

    it("reverts a top-up that would slow a running stream with StreamTopUpTooSmall(received, minimum), and accepts exactly the minimum", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, funder, stranger, poolId } = fx;
      const amount = tokens(1000) + 7n;
      const start = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, amount, 1000);
      const currentEnd = start + 1000n;

      // At +333 s: released = floor(amount · 333 / 1000), the rest unreleased until +1000 s.
      const now = start + 333n;
      const unreleased = amount - (amount * 333n) / 1000n;
      expect(unreleased).to.equal(tokens(667) + 5n);
      // A new end at now + 1234 s keeps the rate only with ceil(unreleased · 1234 / 667) in the stream.
      const duration = 1234n;
      const newEnd = now + duration;
      const keepsRate = (unreleased * (newEnd - now) + (currentEnd - now) - 1n) / (currentEnd - now);
      const minimum = keepsRate - unreleased;
      expect((unreleased * (newEnd - now)) % (currentEnd - now)).to.not.equal(0n); // the ceiling matters

      const snapshot = await takeSnapshot();
      await time.setNextBlockTimestamp(now);
      await expect(pools.connect(stranger).fundStream(poolId, minimum - 1n, duration))
        .to.be.revertedWithCustomError(pools, "StreamTopUpTooSmall")
        .withArgs(minimum - 1n, minimum);
      await snapshot.restore();

      await time.setNextBlockTimestamp(now);
      const tx = pools.connect(stranger).fundStream(poolId, minimum, duration);
      await expect(tx)
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, stranger.address, minimum, minimum, keepsRate, newEnd);
      await expect(tx).to.changeTokenBalances(token, [stranger, pools], [-minimum, minimum]);
      let state = await poolState(pools, poolId);
      expect([state.streamRemaining, state.streamEnd, state.lastUpdate]).to.deep.equal([
        keepsRate,
        newEnd,
        now,
      ]);
      // The rate did not drop: by the old end at least the old remainder is out, and it is the least that does so.
      expect(keepsRate * (currentEnd - now)).to.be.gte(unreleased * duration);
      expect((keepsRate - 1n) * (currentEnd - now)).to.be.lt(unreleased * duration);

      // Released linearly from the top-up on: floor(keepsRate · k / 1234) after k seconds.
      for (const k of [1n, 667n, 1000n, duration]) {
        await time.increaseTo(now + k);
        state = await poolState(pools, poolId);
        expect(state.streamRemaining, `remaining at +${k}s`).to.equal(keepsRate - (keepsRate * k) / duration);
        if (k === currentEnd - now) {
          // Since the top-up, at least the old remainder is out by the old end.
          expect(keepsRate - state.streamRemaining, "released by the old end").to.be.gte(unreleased);
        }
      }
      expect(state.streamRemaining).to.equal(0n);
      // Everything streamed is claimable: carol holds B (weight 3 of 4).
      const total = amount + minimum;
      expect(await pools.claimable(poolId, fx.artB, fx.carol)).to.equal((total * 3n) / 4n);
    });

    it("refuses a 1-wei top-up that would stretch a running stream over 5 years", async function () {
      const { pools, token, funder, stranger, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      const balance = await token.balanceOf(stranger);

      const century = 5n * 365n * 24n * 3600n; // MAX_STREAM_DURATION
      await time.setNextBlockTimestamp(start + 400);
      // Keeping 1 token per second over 5 years needs 600 · century / 600 − 600 more.
      await expect(pools.connect(stranger).fundStream(poolId, 1n, century))
        .to.be.revertedWithCustomError(pools, "StreamTopUpTooSmall")
        .withArgs(1n, tokens(century) - tokens(600));
      expect(await token.balanceOf(stranger)).to.equal(balance);
      await time.increaseTo(start + 1000);
      const state = await poolState(pools, poolId);
      expect([state.streamRemaining, state.streamEnd]).to.deep.equal([0n, BigInt(start + 1000)]);
    });

    it("lets a new stream start with any amount and duration once the previous one ended", async function () {
      const { pools, funder, stranger, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);

      // At the old end exactly, everything is released: 1 wei over 5 years is a new stream, not a top-up.
      const century = 5 * 365 * 24 * 3600; // MAX_STREAM_DURATION
      await time.setNextBlockTimestamp(start + 1000);
      await expect(pools.connect(stranger).fundStream(poolId, 1n, century))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, stranger.address, 1n, 1n, 1n, start + 1000 + century);
      const state = await poolState(pools, poolId);
      expect([state.index, state.streamRemaining, state.streamEnd]).to.deep.equal([
        (tokens(1000) * SCALE) / 4n,
        1n,
        BigInt(start + 1000 + century),
      ]);
    });

    it("reverts with ZeroDuration, ZeroAmount and UnknownPool(id)", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroDuration",
      );
      await expect(pools.connect(funder).fundStream(poolId, 0, 100)).to.be.revertedWithCustomError(
        pools,
        "ZeroAmount",
      );
      await expect(pools.connect(funder).fundStream(9, tokens(1), 100))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });

    it("reverts with DurationTooLong(duration) past MAX_STREAM_DURATION (5 years), and accepts exactly that", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      const max = await pools.MAX_STREAM_DURATION();
      expect(max).to.equal(5n * 365n * 86_400n);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), max + 1n))
        .to.be.revertedWithCustomError(pools, "DurationTooLong")
        .withArgs(max + 1n);
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), max))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, funder.address, tokens(1), tokens(1), tokens(1), at + max);
      const huge = ethers.MaxUint256 - 1000n;
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), huge))
        .to.be.revertedWithCustomError(pools, "DurationTooLong")
        .withArgs(huge);
    });

    it("lets the curator reshape a running stream that a 1-wei griefer stretched, which anyone else may not", async function () {
      const { pools, token, funder, curator, poolId } = await loadFixture(fundingFixture);
      const max = await pools.MAX_STREAM_DURATION();
      await token.connect(funder).approve(pools, ethers.MaxUint256);
      await token.connect(funder).transfer(curator, tokens(100) + 1n);
      await token.connect(curator).approve(pools, ethers.MaxUint256);
      await pools.connect(funder).fundStream(poolId, 1n, max);
      const stretched = await pools.pool(poolId);
      await expect(
        pools.connect(funder).fundStream(poolId, tokens(100), 30n * 86_400n),
      ).to.be.revertedWithCustomError(pools, "StreamEndsEarlier");
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      await expect(pools.connect(curator).fundStream(poolId, tokens(100), 30n * 86_400n))
        .to.emit(pools, "StreamFunded")
        .withArgs(
          poolId,
          curator.address,
          tokens(100),
          tokens(100),
          stretched.streamRemaining + tokens(100),
          at + 30n * 86_400n,
        );
      expect((await pools.pool(poolId)).streamEnd).to.equal(at + 30n * 86_400n);
      // Slowing the stream down is refused to anyone else, allowed to the curator.
      await expect(pools.connect(funder).fundStream(poolId, 1n, 60n * 86_400n)).to.be.revertedWithCustomError(
        pools,
        "StreamTopUpTooSmall",
      );
      const later = at + 100n;
      await time.setNextBlockTimestamp(later);
      await expect(pools.connect(curator).fundStream(poolId, 1n, 60n * 86_400n))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, curator.address, 1n, 1n, anyValue, later + 60n * 86_400n);
    });
  });

  describe("fundWithPermit", function () {
    it("funds in one transaction from an ERC-2612 signature, with no prior approve", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, permitter, poolId } = fx;
      expect(await token.allowance(permitter, pools)).to.equal(0n);
      const deadline = (await time.latest()) + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(400), deadline);
      const tx = pools.connect(permitter).fundWithPermit(poolId, tokens(400), deadline, v, r, s);
      await expect(tx)
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, permitter.address, tokens(400), tokens(400));
      await expect(tx)
        .to.emit(token, "Approval")
        .withArgs(permitter.address, await pools.getAddress(), tokens(400));
      await expect(tx).to.changeTokenBalances(token, [permitter, pools], [-tokens(400), tokens(400)]);
      expect(await token.nonces(permitter)).to.equal(1n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(300)]);
    });

    it("still funds when a front-runner already used the permit, thanks to the allowance it left", async function () {
      const { pools, token, permitter, stranger, poolId } = await loadFixture(fundingFixture);
      const deadline = (await time.latest()) + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(400), deadline);
      await token.connect(stranger).permit(permitter, pools, tokens(400), deadline, v, r, s);
      expect(await token.allowance(permitter, pools)).to.equal(tokens(400));
      const tx = pools.connect(permitter).fundWithPermit(poolId, tokens(400), deadline, v, r, s);
      await expect(tx)
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, permitter.address, tokens(400), tokens(400));
      await expect(tx).to.changeTokenBalances(token, [permitter, pools], [-tokens(400), tokens(400)]);
      expect(await token.nonces(permitter)).to.equal(1n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
    });

    it("reverts with the token's ERC20InsufficientAllowance when the permit is bad and nothing was approved", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      const deadline = (await time.latest()) + 3600;
      // Signed for 100, used for 400: the permit fails, and the transfer finds no allowance.
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(100), deadline);
      await expect(pools.connect(permitter).fundWithPermit(poolId, tokens(400), deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await pools.getAddress(), 0n, tokens(400));
      expect(await token.nonces(permitter)).to.equal(0n);
    });

    it("reverts with UnknownPool(id) and ZeroAmount", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      const deadline = (await time.latest()) + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(1), deadline);
      await expect(pools.connect(permitter).fundWithPermit(8, tokens(1), deadline, v, r, s))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(8n);
      const zero = await signPermit(permitter, token, pools, 0n, deadline);
      await expect(
        pools.connect(permitter).fundWithPermit(poolId, 0n, deadline, zero.v, zero.r, zero.s),
      ).to.be.revertedWithCustomError(pools, "ZeroAmount");
    });
  });

  describe("fundStreamWithPermit", function () {
    it("streams in one transaction from an ERC-2612 signature, with no prior approve", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, permitter, poolId } = fx;
      const start = (await time.latest()) + 10;
      const deadline = start + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(800), deadline);
      await time.setNextBlockTimestamp(start);
      const tx = pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 800, deadline, v, r, s);
      await expect(tx)
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, permitter.address, tokens(800), tokens(800), tokens(800), start + 800);
      await expect(tx).to.changeTokenBalances(token, [permitter, pools], [-tokens(800), tokens(800)]);
      expect(await token.nonces(permitter)).to.equal(1n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
      await time.increaseTo(start + 400);
      // 400 released over weight 4: A 100, B 300.
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(300)]);
    });

    it("still streams when a front-runner already used the permit", async function () {
      const { pools, token, permitter, stranger, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      const deadline = start + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(800), deadline);
      await token.connect(stranger).permit(permitter, pools, tokens(800), deadline, v, r, s);
      await time.setNextBlockTimestamp(start);
      await expect(pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 800, deadline, v, r, s))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, permitter.address, tokens(800), tokens(800), tokens(800), start + 800);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
    });

    it("applies the top-up rules of a running stream: StreamEndsEarlier and StreamTopUpTooSmall, undoing the permit", async function () {
      const { pools, token, funder, permitter, poolId } = await loadFixture(fundingFixture);
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000);
      const deadline = start + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(800), deadline);
      // Every attempt at +200 s, with 800 left until +1000 s.
      const snapshot = await takeSnapshot();
      await time.setNextBlockTimestamp(start + 200);
      await expect(pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 700, deadline, v, r, s))
        .to.be.revertedWithCustomError(pools, "StreamEndsEarlier")
        .withArgs(start + 1000, start + 900);
      await snapshot.restore();
      // To +2000 s the 800 left need 800 · 1800 / 800 − 800 = 1000 more.
      await time.setNextBlockTimestamp(start + 200);
      await expect(
        pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 1800, deadline, v, r, s),
      )
        .to.be.revertedWithCustomError(pools, "StreamTopUpTooSmall")
        .withArgs(tokens(800), tokens(1000));
      expect(await token.nonces(permitter)).to.equal(0n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
      await snapshot.restore();
      // To +1800 s it needs 800 · 1600 / 800 − 800 = 800: exactly what the permit allows.
      await time.setNextBlockTimestamp(start + 200);
      await expect(
        pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 1600, deadline, v, r, s),
      )
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, permitter.address, tokens(800), tokens(800), tokens(1600), start + 1800);
    });

    it("reverts with ZeroDuration, undoing the permit", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      const deadline = (await time.latest()) + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(1), deadline);
      await expect(
        pools.connect(permitter).fundStreamWithPermit(poolId, tokens(1), 0, deadline, v, r, s),
      ).to.be.revertedWithCustomError(pools, "ZeroDuration");
      expect(await token.nonces(permitter)).to.equal(0n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
    });
  });

  describe("carried funds", function () {
    it("carries funds that arrive while the total weight is 0, to the first member at the next distribution", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, emptyPoolId, artA } = fx;
      await expect(pools.connect(funder).fund(emptyPoolId, tokens(500)))
        .to.emit(pools, "PoolFunded")
        .withArgs(emptyPoolId, funder.address, tokens(500), tokens(500));
      let state = await poolState(pools, emptyPoolId);
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([0n, 0n, tokens(500)]);

      // Admission distributes before the weight changes, over weight 0: still carried.
      await pools.connect(curator).admit(emptyPoolId, artA, 1);
      state = await poolState(pools, emptyPoolId);
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([1n, 0n, tokens(500)]);
      expect(await pools.claimable(emptyPoolId, artA, fx.alice)).to.equal(0n);

      // The next distribution (any fund) takes the carried 500 with it: A gets 600.
      await pools.connect(funder).fund(emptyPoolId, tokens(100));
      state = await poolState(pools, emptyPoolId);
      expect([state.index, state.carried]).to.deep.equal([tokens(600) * SCALE, 0n]);
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(360), tokens(240), 0n]);
    });

    it("gives the carried amount to the members present at the next stored distribution (a later admit)", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, emptyPoolId, artA, artB } = fx;
      await pools.connect(funder).fund(emptyPoolId, tokens(500));
      await pools.connect(curator).admit(emptyPoolId, artA, 1);
      // Admitting B distributes first, over A alone: A gets the 500.
      await pools.connect(curator).admit(emptyPoolId, artB, 3);
      expect((await pools.pool(emptyPoolId)).carried).to.equal(0n);
      await pools.connect(funder).fund(emptyPoolId, tokens(400)); // A 100, B 300
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(360), tokens(240), tokens(300)]);
    });

    it("carries a stream released while nobody is admitted, until a stored distribution", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, stranger, emptyPoolId, artA } = fx;
      const start = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(emptyPoolId, tokens(1000), 1000);
      await time.increaseTo(start + 300);
      let state = await poolState(pools, emptyPoolId);
      expect([state.index, state.streamRemaining, state.carried]).to.deep.equal([
        0n,
        tokens(700),
        tokens(300),
      ]);

      await time.setNextBlockTimestamp(start + 400);
      await pools.connect(curator).admit(emptyPoolId, artA, 1);
      state = await poolState(pools, emptyPoolId);
      expect([state.index, state.streamRemaining, state.carried]).to.deep.equal([
        0n,
        tokens(600),
        tokens(400),
      ]);

      await time.increaseTo(start + 1000);
      // The 600 streamed since admission is claimable at once; the carried 400 waits for a stored distribution.
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(360), tokens(240), 0n]);
      expect((await pools.pool(emptyPoolId)).carried).to.equal(tokens(400));
      // settle(poolId, []) is such a distribution, and anyone may call it.
      await pools.connect(stranger).settle(emptyPoolId, []);
      state = await poolState(pools, emptyPoolId);
      expect([state.index, state.streamRemaining, state.carried]).to.deep.equal([
        tokens(1000) * SCALE,
        0n,
        0n,
      ]);
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(600), tokens(400), 0n]);
    });

    it("carries funds again once every member is removed", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, poolId, artA, artB } = fx;
      await pools.connect(funder).fund(poolId, tokens(400)); // A 100, B 300
      await pools.connect(curator).remove(poolId, artA);
      await pools.connect(curator).remove(poolId, artB);
      await pools.connect(funder).fund(poolId, tokens(200));
      expect((await pools.pool(poolId)).carried).to.equal(tokens(200));
      await pools.connect(curator).admit(poolId, artB, 3);
      await pools.connect(funder).fund(poolId, tokens(1)); // B takes 200 + 1
      expect((await pools.pool(poolId)).carried).to.equal(0n);
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(501)]);
    });
  });

  describe("custody", function () {
    it("has no function through which a curator could take funds", async function () {
      const { pools } = await loadFixture(fundingFixture);
      const mutating = pools.interface.fragments
        .filter((f) => f.type === "function")
        .map((f) => f as unknown as { name: string; stateMutability: string })
        .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
        .map((f) => f.name)
        .sort();
      expect(mutating).to.deep.equal([
        "acceptCurator",
        "admit",
        "admitMany",
        "claim",
        "claimBySig",
        "createPool",
        "fund",
        "fundStream",
        "fundStreamWithPermit",
        "fundWithPermit",
        "proposeCurator",
        "remove",
        "setWeight",
        "settle",
      ]);
    });

    it("moves tokens out only through claims, to contributors: curating moves none", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, curator, funder, alice, carol, poolId, artA, artB } = fx;
      await pools.connect(funder).fund(poolId, tokens(400));
      const poolAddress = await pools.getAddress();
      for (const send of [
        () => pools.connect(curator).setWeight(poolId, artA, 9),
        () => pools.connect(curator).remove(poolId, artB),
        () => pools.connect(curator).admit(poolId, artB, 1),
        () => pools.connect(curator).proposeCurator(poolId, curator),
        () => pools.connect(curator).acceptCurator(poolId),
        () => pools.connect(curator).settle(poolId, [artA, artB]),
      ]) {
        await expect(send()).to.changeTokenBalances(token, [pools, curator], [0n, 0n]);
      }
      // The curator holds no slot, so it cannot claim either.
      await expect(pools.connect(curator).claim(poolId, [target(artA, 0)], curator))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, curator.address);

      await pools.connect(alice).claim(poolId, [target(artA, 0)], alice);
      await pools.connect(carol).claim(poolId, [target(artB, 0)], carol);
      const outflows = await token.queryFilter(token.filters.Transfer(poolAddress));
      const claims = await pools.queryFilter(pools.filters.RewardsClaimed(poolId));
      expect(outflows.map((e) => [e.transactionHash, e.args.to, e.args.value])).to.deep.equal(
        claims.map((e) => [e.transactionHash, e.args.recipient, e.args.amount]),
      );
      // A 100 + B 300 before the curating: alice 60, carol 300; nothing was funded after.
      expect(claims.map((e) => e.args.amount)).to.deep.equal([tokens(60), tokens(300)]);
      expect(await token.balanceOf(pools)).to.equal(tokens(40));
    });
  });
});
