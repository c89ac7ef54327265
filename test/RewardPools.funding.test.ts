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
  streamIdOf,
  target,
  tokens,
} from "./helpers/pools";
import {
  RATE_SCALE,
  exactReleasedFloor,
  refundAt,
  releasedBy,
  runningAt,
  streamRate,
  type ModelStream,
} from "./helpers/streams";

const DAY = 86_400n;

async function fundingFixture() {
  const [deployer, curator, alice, bob, carol, funder, stranger, permitter, dora, eve] =
    await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  for (const who of [stranger, permitter, dora]) await token.connect(funder).transfer(who, tokens(1_000_000));

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
  // E: one contributor, used with weight 1 so that what the pool releases is exactly what eve can claim.
  const artE = await registerArtifact(registry, deployer, { name: "funding/E", contributors: [[eve, 1]] });

  // Pool 1: A (weight 1) and B (weight 3), total weight 4.
  const poolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(poolId, artA, 1);
  await pools.connect(curator).admit(poolId, artB, 3);
  // Pool 2: nobody admitted yet.
  const emptyPoolId = await createPool(pools, curator, token, curator);

  for (const who of [funder, stranger, dora]) await token.connect(who).approve(pools, ethers.MaxUint256);

  // Tokens of 0, 6 and 18 decimals, a token that burns everything sent (100 % fee).
  const decimals: Record<number, Awaited<ReturnType<typeof deployMock>>> = {};
  for (const d of [0, 6, 18]) {
    decimals[d] = await deployMock(`D${d}`, d);
    await decimals[d].mint(funder, 1n << 130n);
    await decimals[d].connect(funder).approve(pools, ethers.MaxUint256);
  }
  const burnAll = await ethers.deployContract("FeeOnTransferToken", [10_000]);
  await burnAll.mint(funder, 1_000n);
  await burnAll.connect(funder).approve(pools, ethers.MaxUint256);
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
    dora,
    eve,
    artA,
    artB,
    artE,
    poolId,
    emptyPoolId,
    decimals,
    burnAll,
  };
}

function deployMock(symbol: string, decimals: number) {
  return ethers.deployContract("MockERC20", [symbol, symbol, decimals]);
}

type Fx = Awaited<ReturnType<typeof fundingFixture>>;

/** Claimable of alice (60 % of A, weight 1), bob (40 % of A) and carol (all of B, weight 3) in `poolId`. */
async function claimables(fx: Fx, poolId: bigint = fx.poolId) {
  return [
    await fx.pools.claimable(poolId, fx.artA, fx.alice),
    await fx.pools.claimable(poolId, fx.artA, fx.bob),
    await fx.pools.claimable(poolId, fx.artB, fx.carol),
  ];
}

/** The pool's list of stream ends, walked from `nextStreamEnd`, with each entry's view. */
async function endList(fx: Fx, poolId: bigint) {
  const list: { end: bigint; rateDrop: bigint; dust: bigint }[] = [];
  let end = (await fx.pools.pool(poolId)).nextStreamEnd;
  while (end !== 0n) {
    const entry = await fx.pools.streamEnd(poolId, end);
    expect(entry.linked, `entry ${end} linked`).to.equal(true);
    list.push({ end, rateDrop: entry.rateDrop, dust: entry.dust });
    end = entry.next;
  }
  return list;
}

/** Sets the next block's timestamp (a bigint or number). */
async function at(t: bigint | number) {
  await time.setNextBlockTimestamp(t);
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

    it("distributes at the weights of the moment: a later weight change does not reach back", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, poolId, artA } = fx;
      await pools.connect(funder).fund(poolId, tokens(400)); // A 100, B 300
      await pools.connect(curator).setWeight(poolId, artA, 5); // total 8
      await pools.connect(funder).fund(poolId, tokens(800)); // A 500, B 300
      expect(await claimables(fx)).to.deep.equal([tokens(360), tokens(240), tokens(600)]);
    });

    it("carries a fund into an empty pool and shares it right after the next admission", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, curator, funder, emptyPoolId, artA } = fx;
      const funding = pools.connect(funder).fund(emptyPoolId, tokens(500));
      await expect(funding)
        .to.emit(pools, "PoolFunded")
        .withArgs(emptyPoolId, funder.address, tokens(500), tokens(500));
      await expect(funding).to.changeTokenBalances(token, [funder, pools], [-tokens(500), tokens(500)]);
      let state = await poolState(pools, emptyPoolId);
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([0n, 0n, tokens(500)]);
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([0n, 0n, 0n]);

      const admitAt = BigInt(await time.latest()) + 5n;
      await at(admitAt);
      // No stream ever ran in this pool: its streams stay released up to its last stored accrual.
      const lastUpdate = (await pools.pool(emptyPoolId)).lastUpdate;
      await expect(pools.connect(curator).admit(emptyPoolId, artA, 1))
        .to.emit(pools, "PoolAccrued")
        .withArgs(emptyPoolId, tokens(500) * SCALE, lastUpdate, 0n);
      state = await poolState(pools, emptyPoolId);
      expect([state.totalWeight, state.index, state.carried]).to.deep.equal([1n, tokens(500) * SCALE, 0n]);
      // No further call needed: the carried 500 is claimable at once.
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(300), tokens(200), 0n]);
    });

    it("shares what an empty pool carried by weight when its first members come with admitMany", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, emptyPoolId, artA, artB } = fx;
      await pools.connect(funder).fund(emptyPoolId, tokens(1000));
      await pools.connect(curator).admitMany(emptyPoolId, [artA, artB], [3, 1]);
      // 1000 over weight 4: A 750 (alice 450, bob 300), B 250.
      expect((await pools.pool(emptyPoolId)).carried).to.equal(0n);
      expect(await claimables(fx, emptyPoolId)).to.deep.equal([tokens(450), tokens(300), tokens(250)]);
      await expect(pools.connect(fx.alice).claim(emptyPoolId, [target(artA, 0)], fx.alice))
        .to.emit(pools, "RewardsClaimed")
        .withArgs(emptyPoolId, artA, fx.alice.address, 0n, fx.alice.address, tokens(450));
    });

    it("carries funds again once every member is removed, until the next admission", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, poolId, artA, artB } = fx;
      await pools.connect(funder).fund(poolId, tokens(400)); // A 100, B 300
      await pools.connect(curator).remove(poolId, artA);
      await pools.connect(curator).remove(poolId, artB);
      await pools.connect(funder).fund(poolId, tokens(200));
      expect((await pools.pool(poolId)).carried).to.equal(tokens(200));
      await pools.connect(curator).admit(poolId, artB, 1); // B takes the 200 at once
      expect((await pools.pool(poolId)).carried).to.equal(0n);
      await pools.connect(funder).fund(poolId, tokens(1)); // and the next 1
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(501)]);
    });

    it("reverts with ZeroAmount for 0", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      await expect(pools.connect(funder).fund(poolId, 0)).to.be.revertedWithCustomError(pools, "ZeroAmount");
    });

    it("reverts with UnknownPool(id)", async function () {
      const { pools, funder } = await loadFixture(fundingFixture);
      for (const id of [0n, 3n, 99n]) {
        await expect(pools.connect(funder).fund(id, tokens(1)))
          .to.be.revertedWithCustomError(pools, "UnknownPool")
          .withArgs(id);
      }
    });

    it("reverts with NothingReceived(poolId) when the transfer delivers nothing; nothing moves", async function () {
      const { pools, curator, funder, burnAll } = await loadFixture(fundingFixture);
      const poolId = await createPool(pools, curator, burnAll, curator);
      await expect(pools.connect(funder).fund(poolId, 1_000n))
        .to.be.revertedWithCustomError(pools, "NothingReceived")
        .withArgs(poolId);
      expect(await burnAll.balanceOf(funder)).to.equal(1_000n);
      expect((await pools.pool(poolId)).carried).to.equal(0n);
    });

    it("reverts with PoolCapacityExceeded(poolId, received) one unit past the capacity, and accepts exactly it", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, artE, decimals } = fx;
      const big = decimals[18];
      const poolId = await createPool(pools, curator, big, curator);
      await pools.connect(curator).admit(poolId, artE, 1);
      // Capacity at index 0 and weight 1: floor((2^168 − 1) / 2^40) = 2^128 − 1.
      const capacity = (1n << 128n) - 1n;
      await expect(pools.connect(funder).fund(poolId, capacity + 1n))
        .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
        .withArgs(poolId, capacity + 1n);
      await expect(pools.connect(funder).fund(poolId, capacity))
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, funder.address, capacity, capacity);
      expect((await pools.pool(poolId)).index).to.equal(capacity * SCALE);
      await expect(pools.connect(funder).fund(poolId, 1n))
        .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
        .withArgs(poolId, 1n);
      expect(await pools.claimable(poolId, artE, fx.eve)).to.equal(capacity);
    });

    it("reverts with the token's ERC20InsufficientAllowance when the funder approved nothing", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      await expect(pools.connect(permitter).fund(poolId, tokens(5)))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await pools.getAddress(), 0n, tokens(5));
    });
  });

  describe("fundStream", function () {
    it("emits StreamCreated(poolId, streamId, funder, amount, received, start, end, cancelable), returns the id and sets the rate", async function () {
      const { pools, token, funder, poolId } = await loadFixture(fundingFixture);
      const amount = tokens(1000) + 7n;
      const duration = 1000n;
      const start = BigInt(await time.latest()) + 10n;
      for (const cancelable of [false, true]) {
        const snapshot = await takeSnapshot();
        const id = streamIdOf(funder.address, start, start + duration, cancelable);
        await at(start);
        expect(
          await pools
            .connect(funder)
            .fundStream.staticCall(poolId, amount, duration, cancelable, 0, { blockTag: "pending" }),
        ).to.equal(id);
        await at(start);
        const tx = pools.connect(funder).fundStream(poolId, amount, duration, cancelable, 0);
        await expect(tx)
          .to.emit(pools, "StreamCreated")
          .withArgs(poolId, id, funder.address, amount, amount, start, start + duration, cancelable);
        await expect(tx).to.changeTokenBalances(token, [funder, pools], [-amount, amount]);
        expect(await pools.streamIdOf(funder, start, start + duration, cancelable)).to.equal(id);
        // rate = floor(amount · 2^32 / duration); dust = amount · 2^32 − rate · duration, released at the end.
        const rate = (amount * RATE_SCALE) / duration;
        const dust = amount * RATE_SCALE - rate * duration;
        expect(dust).to.not.equal(0n);
        const state = await poolState(pools, poolId);
        expect([
          state.rate,
          state.nextStreamEnd,
          state.streaming,
          state.lastUpdate,
          state.index,
        ]).to.deep.equal([rate, start + duration, amount, start, 0n]);
        const entry = await pools.streamEnd(poolId, start + duration);
        expect([entry.linked, entry.next, entry.rateDrop, entry.dust]).to.deep.equal([true, 0n, rate, dust]);
        expect(await pools.cancelableAmount(poolId, id)).to.equal(cancelable ? amount : 0n);
        await snapshot.restore();
      }
    });

    it("releases linearly: exact index, streaming and claimables at several timestamps", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, poolId } = fx;
      const start = (await time.latest()) + 10;
      await at(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, false, 0);
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
        expect(state.streaming, `streaming at +${k}s`).to.equal(tokens(1000) - released);
        expect(state.rate, `rate at +${k}s`).to.equal(k < 1000 ? tokens(1) * RATE_SCALE : 0n);
        expect(state.nextStreamEnd, `next end at +${k}s`).to.equal(k < 1000 ? BigInt(start + 1000) : 0n);
        expect(await claimables(fx), `claimables at +${k}s`).to.deep.equal([
          tokens(alice),
          tokens(bob),
          tokens(carol),
        ]);
      }
    });

    it("rounds the released amount and every claimable down, and releases exactly the amount at the end", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, poolId } = fx;
      const start = (await time.latest()) + 10;
      await at(start);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 3, false, 0);
      await time.increaseTo(start + 1);
      // released = floor(floor(1000e18 · 2^32 / 3) / 2^32) = 333333333333333333333; index = released · 2^40 / 4.
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
      // released = 666666666666666666666
      expect(await claimables(fx)).to.deep.equal([
        99999999999999999999n, // floor(99999999999999999999.9)
        66666666666666666666n, // floor(66666666666666666666.6)
        499999999999999999999n, // floor(499999999999999999999.5)
      ]);
      await time.increaseTo(start + 3);
      expect(await claimables(fx)).to.deep.equal([tokens(150), tokens(100), tokens(750)]);
      expect((await pools.pool(poolId)).streaming).to.equal(0n);
    });

    it("reverts with ZeroDuration, ZeroAmount and UnknownPool(id)", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      await expect(
        pools.connect(funder).fundStream(poolId, tokens(1), 0, false, 0),
      ).to.be.revertedWithCustomError(pools, "ZeroDuration");
      await expect(pools.connect(funder).fundStream(poolId, 0, 100, true, 0)).to.be.revertedWithCustomError(
        pools,
        "ZeroAmount",
      );
      await expect(pools.connect(funder).fundStream(9, tokens(1), 100, false, 0))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(9n);
    });

    it("reverts with NothingReceived(poolId) when the transfer delivers nothing", async function () {
      const { pools, curator, funder, burnAll } = await loadFixture(fundingFixture);
      const poolId = await createPool(pools, curator, burnAll, curator);
      await expect(pools.connect(funder).fundStream(poolId, 1_000n, 10, true, 0))
        .to.be.revertedWithCustomError(pools, "NothingReceived")
        .withArgs(poolId);
    });

    it("reverts with DurationTooLong(duration) past MAX_STREAM_DURATION (5 years), and accepts exactly that", async function () {
      const { pools, funder, poolId } = await loadFixture(fundingFixture);
      const max = await pools.MAX_STREAM_DURATION();
      expect(max).to.equal(5n * 365n * DAY);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), max + 1n, false, 0))
        .to.be.revertedWithCustomError(pools, "DurationTooLong")
        .withArgs(max + 1n);
      const start = BigInt(await time.latest()) + 10n;
      await at(start);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), max, false, 0))
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start, start + max, false),
          funder.address,
          tokens(1),
          tokens(1),
          start,
          start + max,
          false,
        );
      expect((await pools.pool(poolId)).rate).to.equal((tokens(1) * RATE_SCALE) / max);
      const huge = ethers.MaxUint256 - 1000n;
      await expect(pools.connect(funder).fundStream(poolId, tokens(1), huge, false, 0))
        .to.be.revertedWithCustomError(pools, "DurationTooLong")
        .withArgs(huge);
    });

    it("reverts with PoolCapacityExceeded(poolId, received) when a stream could take the index past its range", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, artE, decimals } = fx;
      const big = decimals[18];
      const poolId = await createPool(pools, curator, big, curator);
      await pools.connect(curator).admit(poolId, artE, 1);
      const capacity = (1n << 128n) - 1n;
      await pools.connect(funder).fundStream(poolId, capacity - 10n, 1000, false, 0);
      // Everything pending counts: 10 units of room are left, whatever has been released meanwhile.
      await expect(pools.connect(funder).fundStream(poolId, 11n, 1000, false, 0))
        .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
        .withArgs(poolId, 11n);
      await expect(pools.connect(funder).fundStream(poolId, 10n, 1000, false, 0)).to.emit(
        pools,
        "StreamCreated",
      );
    });

    it("keeps every funder's schedule: concurrent short and long streams release Σ of their own schedules", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, stranger, dora, poolId } = fx;
      const S = BigInt(await time.latest()) + 10n;
      const X: ModelStream = { amount: tokens(1000) + 7n, start: S, end: S + 1000n };
      const Y: ModelStream = { amount: 12_345n, start: S + 100n, end: S + 110n }; // short, starts later
      const Z: ModelStream = { amount: tokens(5) + 3n, start: S + 200n, end: S + 5200n }; // long
      const checkpoints = [
        50n,
        100n,
        105n,
        109n,
        110n,
        200n,
        201n,
        777n,
        999n,
        1000n,
        3000n,
        5199n,
        5200n,
        6000n,
      ];

      /** released = Σ received − streaming, as the pool view reports it, at each checkpoint. */
      const measure = async (streams: ModelStream[], withOthers: boolean) => {
        const snapshot = await takeSnapshot();
        const pending: [bigint, () => Promise<unknown>][] = [
          [X.start, () => pools.connect(funder).fundStream(poolId, X.amount, 1000, false, 0)],
        ];
        if (withOthers) {
          pending.push([Y.start, () => pools.connect(stranger).fundStream(poolId, Y.amount, 10, false, 0)]);
          pending.push([Z.start, () => pools.connect(dora).fundStream(poolId, Z.amount, 5000, true, 0)]);
        }
        const results: bigint[] = [];
        for (const k of checkpoints) {
          const t = S + k;
          while (pending.length && pending[0][0] <= t) {
            const [startAt, send] = pending.shift()!;
            await at(startAt);
            await send();
          }
          if (BigInt(await time.latest()) < t) await time.increaseTo(t);
          const received = streams.filter((s) => s.start <= t).reduce((sum, s) => sum + s.amount, 0n);
          results.push(received - (await pools.pool(poolId)).streaming);
        }
        await snapshot.restore();
        return results;
      };

      const alone = await measure([X], false);
      const together = await measure([X, Y, Z], true);
      checkpoints.forEach((k, i) => {
        const t = S + k;
        expect(alone[i], `X alone at +${k}s`).to.equal(releasedBy([X], t));
        expect(together[i], `X, Y, Z at +${k}s`).to.equal(releasedBy([X, Y, Z], t));
        // The documented bound: ≤ floor(Σ exact), ≥ floor(Σ exact) − 1 per 16 running streams (rounded up).
        const exact = exactReleasedFloor([X, Y, Z], t);
        const slack = BigInt(Math.ceil(runningAt([X, Y, Z], t) / 16));
        expect(together[i] <= exact && together[i] >= exact - slack, `bound at +${k}s`).to.equal(true);
      });
      // At each end, that stream has released exactly its amount, whatever the others do.
      const zAt = (t: bigint) => (streamRate(Z.amount, 5000n).rate * (t - Z.start)) / RATE_SCALE;
      const xAt = (t: bigint) => (streamRate(X.amount, 1000n).rate * (t - X.start)) / RATE_SCALE;
      expect(together[checkpoints.indexOf(110n)]).to.equal(xAt(S + 110n) + Y.amount);
      expect(together[checkpoints.indexOf(1000n)]).to.equal(X.amount + Y.amount + zAt(S + 1000n));
      expect(together[checkpoints.indexOf(5200n)]).to.equal(X.amount + Y.amount + Z.amount);
      expect(together[checkpoints.indexOf(6000n)]).to.equal(X.amount + Y.amount + Z.amount);
      // X's release is the same with or without the others: the others' part is exactly theirs.
      expect(together[checkpoints.indexOf(1000n)] - alone[checkpoints.indexOf(1000n)]).to.equal(
        Y.amount + zAt(S + 1000n),
      );
    });

    it("lets nobody reshape another's stream: a 1-wei 5-year stream and the curator's 1-wei 1-second stream change nothing", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, curator, funder, stranger, poolId } = fx;
      await token.connect(funder).transfer(curator, 1n);
      await token.connect(curator).approve(pools, ethers.MaxUint256);
      const max = await pools.MAX_STREAM_DURATION();
      const S = BigInt(await time.latest()) + 10n;
      // A griefer's 1 wei over 5 years first: the funder's 30-day stream still goes through, on its own schedule.
      await at(S);
      await pools.connect(stranger).fundStream(poolId, 1n, max, false, 0);
      await at(S + 1n);
      await expect(pools.connect(funder).fundStream(poolId, tokens(1_000_000), 30n * DAY, true, 0)).to.emit(
        pools,
        "StreamCreated",
      );
      // The curator's 1 wei over 1 second (the old capture) only adds its own wei.
      await at(S + 2n);
      await pools.connect(curator).fundStream(poolId, 1n, 1, false, 0);
      const streams: ModelStream[] = [
        { amount: 1n, start: S, end: S + max },
        { amount: tokens(1_000_000), start: S + 1n, end: S + 1n + 30n * DAY },
        { amount: 1n, start: S + 2n, end: S + 3n },
      ];
      for (const t of [S + 3n, S + 4n, S + DAY, S + 1n + 30n * DAY, S + 40n * DAY]) {
        await time.increaseTo(t);
        const received = streams.filter((x) => x.start <= t).reduce((sum, x) => sum + x.amount, 0n);
        expect(received - (await pools.pool(poolId)).streaming, `released at +${t - S}s`).to.equal(
          releasedBy(streams, t),
        );
      }
      // At +3 s the funder's stream has released 2 of its 2,592,000 seconds, not the whole of it.
      expect(releasedBy(streams, S + 3n)).to.equal(
        (streamRate(tokens(1_000_000), 30n * DAY).rate * 2n) / RATE_SCALE + 1n,
      );
    });

    it("keeps claims exact however often the pool is poked, with 0, 6 and 18 decimals", async function () {
      this.timeout(600_000);
      const fx = await loadFixture(fundingFixture);
      const { pools, curator, funder, eve, stranger, artE, decimals } = fx;
      for (const d of [0, 6, 18]) {
        const token = decimals[d];
        const poolId = await createPool(pools, curator, token, curator);
        await pools.connect(curator).admit(poolId, artE, 1);
        const amount = 1000n * 10n ** BigInt(d);
        const duration = 30n * DAY;
        const S = BigInt(await time.latest()) + 10n;
        const stream: ModelStream = { amount, start: S, end: S + duration };
        const claimsAt = [S + 45n, S + DAY + 7n, S + 9n * DAY, S + duration + 1n];

        /** Claims at each of `claimsAt`; pokes `accrue` every block for 30 s, then every 30 minutes up to day 9. */
        const run = async (poke: boolean) => {
          const snapshot = await takeSnapshot();
          await at(S);
          await pools.connect(funder).fundStream(poolId, amount, duration, false, 0);
          const pokes: bigint[] = [];
          if (poke) {
            for (let t = S + 1n; t <= S + 30n; t++) pokes.push(t);
            for (let t = S + 1800n; t < S + 9n * DAY; t += 1800n) pokes.push(t);
          }
          const events = [
            ...pokes.map((t) => ({ t, claim: false })),
            ...claimsAt.map((t) => ({ t, claim: true })),
          ].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
          const claimed: bigint[] = [];
          for (const { t, claim } of events) {
            await at(t);
            if (!claim) {
              await pools.connect(stranger).accrue(poolId);
              continue;
            }
            // A claim at t: the claimable view first (a claim of nothing reverts), then the claim itself.
            await time.increaseTo(t);
            const owed = await pools.claimable(poolId, artE, eve);
            const before = await token.balanceOf(eve);
            if (owed !== 0n) await pools.connect(eve).claim(poolId, [target(artE, 0)], eve);
            claimed.push(owed, (await token.balanceOf(eve)) - before);
          }
          const end = await poolState(pools, poolId);
          await snapshot.restore();
          return { claimed, streaming: end.streaming, carried: end.carried };
        };

        const never = await run(false);
        const often = await run(true);
        expect(often, `${d} decimals: pokes change nothing`).to.deep.equal(never);
        // Weight 1 and one contributor: eve's cumulative claims are what the pool released.
        let cumulative = 0n;
        claimsAt.forEach((t, i) => {
          // The view at t and the claim one second later agree (no release in that second below 1 unit is
          // guaranteed only for the 0-decimals token, so compare the claim with the model at t + 1).
          cumulative += never.claimed[2 * i + 1];
          expect(cumulative, `${d} decimals: claimed by ${t - S + 1n}s`).to.equal(
            releasedBy([stream], t + 1n),
          );
          expect(never.claimed[2 * i], `${d} decimals: claimable at ${t - S}s`).to.equal(
            releasedBy([stream], t) - (cumulative - never.claimed[2 * i + 1]),
          );
          const exact = exactReleasedFloor([stream], t + 1n);
          expect(cumulative <= exact && cumulative + 1n >= exact).to.equal(true);
        });
        expect(cumulative, `${d} decimals: the whole amount`).to.equal(amount);
        expect([never.streaming, never.carried]).to.deep.equal([0n, 0n]);
        if (d === 0) {
          // The case: 1,000 units over 30 days, 9 days in: floor(rate · 9 days / 2^32) = 299.
          expect(never.claimed[1] + never.claimed[3] + never.claimed[4]).to.equal(299n);
        }
      }
    });

    it("keeps a sorted list of ends: before the first, after the last, in the middle with good, stale, wrong and no hints", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, stranger, poolId } = fx;
      const T = BigInt(await time.latest()) + 10n;
      const model: ModelStream[] = [];
      /** At T + k, a stream of `amount` wei ending at T + endAt, inserted with `hint` (absolute, 0 = none). */
      const add = async (k: bigint, endAt: bigint, amount: bigint, hint: bigint) => {
        await at(T + k);
        const tx = await pools.connect(funder).fundStream(poolId, amount, endAt - k, false, hint);
        model.push({ amount, start: T + k, end: T + endAt });
        return tx;
      };
      const expectList = async (label: string) => {
        const ends = [...new Set(model.map((s) => s.end))].sort((a, b) => (a < b ? -1 : 1));
        const expected = ends.map((end) => {
          const here = model.filter((s) => s.end === end);
          return {
            end,
            rateDrop: here.reduce((sum, s) => sum + streamRate(s.amount, s.end - s.start).rate, 0n),
            dust: here.reduce((sum, s) => sum + streamRate(s.amount, s.end - s.start).dust, 0n),
          };
        });
        expect(await endList(fx, poolId), label).to.deep.equal(expected);
        const rate = expected.reduce((sum, e) => sum + e.rateDrop, 0n);
        expect((await pools.pool(poolId)).rate, `${label}: rate`).to.equal(rate);
      };

      await add(0n, 1000n, 1_001n, 0n);
      await expectList("the first end");
      await add(1n, 3000n, 1_003n, 0n);
      await expectList("after the last");
      await add(2n, 500n, 1_005n, 0n);
      await expectList("before the first");
      expect((await pools.pool(poolId)).nextStreamEnd).to.equal(T + 500n);
      await add(3n, 2000n, 1_007n, T + 1000n);
      await expectList("in the middle, with the end just before as hint");
      await add(4n, 1500n, 1_009n, T + 2500n);
      await expectList("with a stale hint (no such end): a walk from the first");
      await add(5n, 2500n, 1_011n, T + 3000n);
      await expectList("with a wrong hint (a later end): a walk from the first");
      await add(6n, 1200n, 1_013n, 0n);
      await expectList("with hint 0: a walk from the first");
      await add(7n, 2700n, 1_015n, T + 500n);
      await expectList("with an earlier end than needed as hint: a walk from it");
      await add(8n, 1000n, 1_017n, 0n);
      await expectList("on an existing end: rates and dust add up");

      // A good hint saves the walk: the same insertion costs less gas with it than from the first end.
      const snapshot = await takeSnapshot();
      const walked = (await (await add(9n, 2800n, 1_019n, 0n)).wait())!.gasUsed;
      await snapshot.restore();
      model.pop();
      const hinted = await add(9n, 2800n, 1_019n, T + 2700n);
      await expectList("with the end just before the last as hint");
      expect((await hinted.wait())!.gasUsed).to.be.lessThan(walked);

      // Ends are processed in order and unlinked; the rest of the list is untouched.
      await time.increaseTo(T + 1200n);
      await pools.connect(stranger).accrue(poolId);
      for (const gone of [500n, 1000n, 1200n]) {
        const entry = await pools.streamEnd(poolId, T + gone);
        expect([entry.linked, entry.next, entry.rateDrop, entry.dust]).to.deep.equal([false, 0n, 0n, 0n]);
      }
      model.splice(0, model.length, ...model.filter((s) => s.end > T + 1200n));
      await expectList("after the first three ends passed");
      expect((await pools.pool(poolId)).nextStreamEnd).to.equal(T + 1500n);
    });

    it("merges two same-schedule cancelable streams of one funder in one block, and cancels them exactly", async function () {
      const { pools, token, funder, poolId } = await loadFixture(fundingFixture);
      const S = BigInt(await time.latest()) + 10n;
      const id = streamIdOf(funder.address, S, S + 7n, true);
      await at(S);
      const tx = pools
        .connect(funder)
        .multicall([
          pools.interface.encodeFunctionData("fundStream", [poolId, 10n, 7n, true, 0n]),
          pools.interface.encodeFunctionData("fundStream", [poolId, 11n, 7n, true, 0n]),
        ]);
      await expect(tx)
        .to.emit(pools, "StreamCreated")
        .withArgs(poolId, id, funder.address, 10n, 10n, S, S + 7n, true)
        .and.to.emit(pools, "StreamCreated")
        .withArgs(poolId, id, funder.address, 11n, 11n, S, S + 7n, true);
      expect(await pools.cancelableAmount(poolId, id)).to.equal(21n);
      // One stream of 21 over 7 s: rate 3 · 2^32 exactly (rate(10) + rate(11) would be 3 · 2^32 − 1).
      const merged = streamRate(21n, 7n);
      expect(merged).to.deep.equal({ rate: 3n * RATE_SCALE, dust: 0n });
      expect(streamRate(10n, 7n).rate + streamRate(11n, 7n).rate).to.equal(3n * RATE_SCALE - 1n);
      let entry = await pools.streamEnd(poolId, S + 7n);
      expect([entry.rateDrop, entry.dust]).to.deep.equal([merged.rate, merged.dust]);
      expect((await pools.pool(poolId)).rate).to.equal(merged.rate);

      // At +3 s: released ceil(3 · 2^32 · 3 / 2^32) = 9, refunded 21 − 9 = 12.
      await at(S + 3n);
      const cancel = pools.connect(funder).cancelStream(poolId, S, S + 7n);
      await expect(cancel).to.emit(pools, "StreamCancelled").withArgs(poolId, id, funder.address, 9n, 12n);
      await expect(cancel).to.changeTokenBalances(token, [funder, pools], [12n, -12n]);
      entry = await pools.streamEnd(poolId, S + 7n);
      expect([entry.linked, entry.rateDrop, entry.dust]).to.deep.equal([true, 0n, 0n]);
      const state = await poolState(pools, poolId);
      expect([state.rate, state.streaming]).to.deep.equal([0n, 0n]);
      expect(await pools.cancelableAmount(poolId, id)).to.equal(0n);
    });

    describe("with more stream ends due than one call processes", function () {
      it("accrue processes MAX_ENDS_PER_ACCRUE ends per call; streams and curation revert AccrualBehind until caught up; claims pay what was accrued", async function () {
        const fx = await loadFixture(fundingFixture);
        const { pools, curator, funder, stranger, dora, eve, artE, artA, token } = fx;
        expect(await pools.MAX_ENDS_PER_ACCRUE()).to.equal(32n);
        const poolId = await createPool(pools, curator, token, curator);
        await pools.connect(curator).admit(poolId, artE, 1);
        // A cancelable stream of dora's that outlives them all.
        const D0 = BigInt(await time.latest()) + 5n;
        await at(D0);
        await pools.connect(dora).fundStream(poolId, tokens(1), 100_000, true, 0);
        const dora_: ModelStream = { amount: tokens(1), start: D0, end: D0 + 100_000n };

        // 70 streams of funder, one block, ends S + 100 + i (distinct, increasing: each an O(1) append).
        const S = D0 + 10n;
        const streams: ModelStream[] = [];
        const calls: string[] = [];
        for (let i = 0n; i < 70n; i++) {
          const amount = 1_000n + i;
          streams.push({ amount, start: S, end: S + 100n + i });
          calls.push(pools.interface.encodeFunctionData("fundStream", [poolId, amount, 100n + i, false, 0n]));
        }
        await at(S);
        await pools.connect(funder).multicall(calls);
        const end = (i: number) => S + 100n + BigInt(i - 1); // the i-th end, 1-based

        await time.increaseTo(S + 1_000n);
        // Before any accrue: every rate- or weight-changing call processes 32 ends and finds more due.
        await expect(pools.connect(stranger).fundStream(poolId, 5n, 100, false, 0))
          .to.be.revertedWithCustomError(pools, "AccrualBehind")
          .withArgs(poolId, end(32));
        await expect(pools.connect(dora).cancelStream(poolId, D0, D0 + 100_000n))
          .to.be.revertedWithCustomError(pools, "AccrualBehind")
          .withArgs(poolId, end(32));
        await expect(pools.connect(curator).admit(poolId, artA, 1))
          .to.be.revertedWithCustomError(pools, "AccrualBehind")
          .withArgs(poolId, end(32));

        // One accrue: 32 ends, lastUpdate at the 32nd.
        const all = [dora_, ...streams];
        const releasedAt32 = releasedBy(all, end(32));
        await expect(pools.connect(stranger).accrue(poolId))
          .to.emit(pools, "PoolAccrued")
          .withArgs(poolId, releasedAt32 * SCALE, end(32), 0n);
        let state = await poolState(pools, poolId);
        // The view goes on as far as one call would: 32 more ends.
        expect(state.lastUpdate).to.equal(end(64));
        expect(state.nextStreamEnd).to.equal(end(65));
        const gone = await pools.streamEnd(poolId, end(32));
        expect([gone.linked, gone.next, gone.rateDrop, gone.dust]).to.deep.equal([false, 0n, 0n, 0n]);
        expect((await pools.streamEnd(poolId, end(33))).linked).to.equal(true);
        await expect(pools.connect(stranger).fundStream(poolId, 5n, 100, false, 0))
          .to.be.revertedWithCustomError(pools, "AccrualBehind")
          .withArgs(poolId, end(64));
        await expect(pools.connect(curator).remove(poolId, artE))
          .to.be.revertedWithCustomError(pools, "AccrualBehind")
          .withArgs(poolId, end(64));

        // A claim works meanwhile: it stores the next 32 ends and pays what was released by the 64th.
        const releasedAt64 = releasedBy(all, end(64));
        const claim = pools.connect(eve).claim(poolId, [target(artE, 0)], eve);
        await expect(claim)
          .to.emit(pools, "RewardsClaimed")
          .withArgs(poolId, artE, eve.address, 0n, eve.address, releasedAt64);
        await expect(claim)
          .to.emit(pools, "PoolAccrued")
          .withArgs(poolId, releasedAt64 * SCALE, end(64), 0n);

        // A second accrue-like call catches up (6 ends left): now streams and cancellations go through.
        const now = BigInt(await time.latest()) + 1n;
        await at(now);
        await pools.connect(stranger).accrue(poolId);
        state = await poolState(pools, poolId);
        expect([state.lastUpdate, state.nextStreamEnd]).to.deep.equal([now, D0 + 100_000n]);
        await expect(pools.connect(dora).cancelStream(poolId, D0, D0 + 100_000n)).to.emit(
          pools,
          "StreamCancelled",
        );
        await expect(pools.connect(stranger).fundStream(poolId, 5n, 100, false, 0)).to.emit(
          pools,
          "StreamCreated",
        );
        await expect(pools.connect(curator).admit(poolId, artA, 1)).to.emit(pools, "ArtifactAdmitted");
      });
    });
  });

  describe("cancelStream", function () {
    async function cancelableStream(fx: Fx) {
      const { pools, funder, poolId } = fx;
      const S = BigInt(await time.latest()) + 10n;
      const stream: ModelStream = { amount: tokens(1000) + 7n, start: S, end: S + 1000n };
      await at(S);
      await pools.connect(funder).fundStream(poolId, stream.amount, 1000, true, 0);
      return { stream, id: streamIdOf(funder.address, S, S + 1000n, true) };
    }

    it("refunds amount − ceil(rate · elapsed / 2^32), emits StreamCancelled(poolId, streamId, funder, released, refunded); the members keep the rest", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, funder, stranger, alice, bob, carol, poolId } = fx;
      const { stream, id } = await cancelableStream(fx);
      // A second funder's stream runs on, untouched.
      const Y: ModelStream = { amount: 3_000_001n, start: stream.start + 1n, end: stream.start + 2001n };
      await at(Y.start);
      await pools.connect(stranger).fundStream(poolId, Y.amount, 2000, false, 0);
      expect(await pools.cancelableAmount(poolId, id)).to.equal(stream.amount);

      const t = stream.start + 333n;
      // rate = floor((1000e18 + 7) · 2^32 / 1000); released = ceil(rate · 333 / 2^32); refunded = amount − released.
      const rate = ((tokens(1000) + 7n) * 2n ** 32n) / 1000n;
      const released = (rate * 333n + 2n ** 32n - 1n) / 2n ** 32n;
      const refunded = stream.amount - released;
      expect({ released, refunded }).to.deep.equal(refundAt(stream, t));
      expect(released).to.equal(tokens(333) + 3n); // 333.000000000000000002331 → 333e18 + 3 (rounded up)
      await at(t);
      const tx = pools.connect(funder).cancelStream(poolId, stream.start, stream.end);
      await expect(tx)
        .to.emit(pools, "StreamCancelled")
        .withArgs(poolId, id, funder.address, released, refunded);
      await expect(tx).to.changeTokenBalances(
        token,
        [funder, pools, stranger, alice, bob, carol],
        [refunded, -refunded, 0n, 0n, 0n, 0n],
      );
      expect(await pools.cancelableAmount(poolId, id)).to.equal(0n);
      const entry = await pools.streamEnd(poolId, stream.end);
      expect([entry.linked, entry.rateDrop, entry.dust]).to.deep.equal([true, 0n, 0n]);
      expect((await pools.pool(poolId)).rate).to.equal(streamRate(Y.amount, 2000n).rate);

      // Once Y ended, everything but the refund is with the members: index · 4 + carried · 2^40 = released + Y.
      await time.increaseTo(Y.end + 10n);
      await pools.connect(stranger).accrue(poolId);
      const state = await poolState(pools, poolId);
      expect(state.streaming).to.equal(0n);
      expect(state.index * 4n + state.carried * SCALE).to.equal((released + Y.amount) * SCALE);
      expect(await token.balanceOf(pools)).to.equal(released + Y.amount);
    });

    it("refunds everything when cancelled in the block that created it", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, funder, poolId } = fx;
      const S = BigInt(await time.latest()) + 10n;
      const id = streamIdOf(funder.address, S, S + 500n, true);
      await at(S);
      const tx = pools
        .connect(funder)
        .multicall([
          pools.interface.encodeFunctionData("fundStream", [poolId, tokens(50), 500n, true, 0n]),
          pools.interface.encodeFunctionData("cancelStream", [poolId, S, S + 500n]),
        ]);
      await expect(tx).to.emit(pools, "StreamCancelled").withArgs(poolId, id, funder.address, 0n, tokens(50));
      await expect(tx).to.changeTokenBalances(token, [funder, pools], [0n, 0n]);
      const state = await poolState(pools, poolId);
      expect([state.rate, state.streaming, state.carried, state.index]).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("leaves what was released with the members, claimable before and after", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, alice, poolId, artA } = fx;
      const S = BigInt(await time.latest()) + 10n;
      await at(S);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, true, 0); // 1 token/s exactly
      await at(S + 400n);
      await pools.connect(alice).claim(poolId, [target(artA, 0)], alice); // 0.15 · 400 = 60
      expect(await pools.claimed(poolId, artA, 0)).to.equal(tokens(60));
      await at(S + 600n);
      await expect(pools.connect(funder).cancelStream(poolId, S, S + 1000n))
        .to.emit(pools, "StreamCancelled")
        .withArgs(
          poolId,
          streamIdOf(funder.address, S, S + 1000n, true),
          funder.address,
          tokens(600),
          tokens(400),
        );
      await time.increaseTo(S + 5000n);
      // 600 released over weight 4: alice 90 (60 claimed), bob 60, carol 450.
      expect(await claimables(fx)).to.deep.equal([tokens(30), tokens(60), tokens(450)]);
    });

    it("reverts with UnknownStream(poolId, streamId) for a non-cancelable stream, another funder's, and a cancelled one", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, stranger, poolId } = fx;
      const S = BigInt(await time.latest()) + 10n;
      await at(S);
      await pools.connect(funder).fundStream(poolId, tokens(10), 100, false, 0);
      await expect(pools.connect(funder).cancelStream(poolId, S, S + 100n))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(funder.address, S, S + 100n, true));

      const { stream } = await cancelableStream(fx);
      await expect(pools.connect(stranger).cancelStream(poolId, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(stranger.address, stream.start, stream.end, true));
      // Wrong schedule: another id.
      await expect(pools.connect(funder).cancelStream(poolId, stream.start, stream.end + 1n))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(funder.address, stream.start, stream.end + 1n, true));
      // Another pool: another stream.
      await expect(pools.connect(funder).cancelStream(fx.emptyPoolId, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(fx.emptyPoolId, streamIdOf(funder.address, stream.start, stream.end, true));
      await pools.connect(funder).cancelStream(poolId, stream.start, stream.end);
      await expect(pools.connect(funder).cancelStream(poolId, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(funder.address, stream.start, stream.end, true));
      await expect(pools.connect(funder).cancelStream(7, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "UnknownPool")
        .withArgs(7n);
    });

    it("reverts with StreamEnded(streamId, end) at and after the end", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, funder, poolId } = fx;
      const { stream, id } = await cancelableStream(fx);
      await at(stream.end);
      await expect(pools.connect(funder).cancelStream(poolId, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "StreamEnded")
        .withArgs(id, stream.end);
      await time.increaseTo(stream.end + 100n);
      await expect(pools.connect(funder).cancelStream(poolId, stream.start, stream.end))
        .to.be.revertedWithCustomError(pools, "StreamEnded")
        .withArgs(id, stream.end);
    });

    it("refunds the last second's share one second before the end", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, funder, poolId } = fx;
      const { stream, id } = await cancelableStream(fx);
      await at(stream.end - 1n);
      const { released, refunded } = refundAt(stream, stream.end - 1n);
      expect(refunded).to.equal(tokens(1)); // amount − ceil(999 · rate / 2^32) = 1000e18 + 7 − (999e18 + 7)
      const tx = pools.connect(funder).cancelStream(poolId, stream.start, stream.end);
      await expect(tx)
        .to.emit(pools, "StreamCancelled")
        .withArgs(poolId, id, funder.address, released, refunded);
      await expect(tx).to.changeTokenBalances(token, [funder, pools], [refunded, -refunded]);
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
      const start = BigInt(await time.latest()) + 10n;
      const deadline = start + 3600n;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(800), deadline);
      await at(start);
      const tx = pools
        .connect(permitter)
        .fundStreamWithPermit(poolId, tokens(800), 800, true, 0, deadline, v, r, s);
      await expect(tx)
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(permitter.address, start, start + 800n, true),
          permitter.address,
          tokens(800),
          tokens(800),
          start,
          start + 800n,
          true,
        );
      await expect(tx).to.changeTokenBalances(token, [permitter, pools], [-tokens(800), tokens(800)]);
      expect(await token.nonces(permitter)).to.equal(1n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
      await time.increaseTo(start + 400n);
      // 400 released over weight 4: A 100, B 300.
      expect(await claimables(fx)).to.deep.equal([tokens(60), tokens(40), tokens(300)]);
      // The permit-funded stream is the permitter's to cancel.
      await at(start + 500n);
      await expect(pools.connect(permitter).cancelStream(poolId, start, start + 800n)).to.changeTokenBalances(
        token,
        [permitter, pools],
        [tokens(300), -tokens(300)],
      );
    });

    it("still streams when a front-runner already used the permit", async function () {
      const { pools, token, permitter, stranger, poolId } = await loadFixture(fundingFixture);
      const deadline = BigInt(await time.latest()) + 1_000_000n;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(800), deadline);
      const frontRun = BigInt(await time.latest()) + 5n;
      await at(frontRun);
      await token.connect(stranger).permit(permitter, pools, tokens(800), deadline, v, r, s);
      const start = frontRun + 10n;
      await at(start);
      await expect(
        pools.connect(permitter).fundStreamWithPermit(poolId, tokens(800), 800, false, 0, deadline, v, r, s),
      )
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(permitter.address, start, start + 800n, false),
          permitter.address,
          tokens(800),
          tokens(800),
          start,
          start + 800n,
          false,
        );
      expect(await token.allowance(permitter, pools)).to.equal(0n);
    });

    it("reverts with ZeroDuration and DurationTooLong, undoing the permit", async function () {
      const { pools, token, permitter, poolId } = await loadFixture(fundingFixture);
      const deadline = (await time.latest()) + 3600;
      const { v, r, s } = await signPermit(permitter, token, pools, tokens(1), deadline);
      await expect(
        pools.connect(permitter).fundStreamWithPermit(poolId, tokens(1), 0, false, 0, deadline, v, r, s),
      ).to.be.revertedWithCustomError(pools, "ZeroDuration");
      const tooLong = (await pools.MAX_STREAM_DURATION()) + 1n;
      await expect(
        pools
          .connect(permitter)
          .fundStreamWithPermit(poolId, tokens(1), tooLong, false, 0, deadline, v, r, s),
      )
        .to.be.revertedWithCustomError(pools, "DurationTooLong")
        .withArgs(tooLong);
      expect(await token.nonces(permitter)).to.equal(0n);
      expect(await token.allowance(permitter, pools)).to.equal(0n);
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
        "accrue",
        "admit",
        "admitMany",
        "cancelChange",
        "cancelStream",
        "claim",
        "claimBySig",
        "claimFor",
        "createPool",
        "executeChange",
        "fund",
        "fundStream",
        "fundStreamWithPermit",
        "fundWithPermit",
        "invalidateNonces",
        "multicall",
        "proposeCurator",
        "remove",
        "setWeight",
        "settle",
      ]);
    });

    it("moves tokens out only through claims and cancellations: curating moves none", async function () {
      const fx = await loadFixture(fundingFixture);
      const { pools, token, curator, funder, alice, carol, poolId, artA, artB } = fx;
      await pools.connect(funder).fund(poolId, tokens(400));
      const S = BigInt(await time.latest()) + 10n;
      await at(S);
      await pools.connect(funder).fundStream(poolId, tokens(1000), 1000, true, 0);
      const poolAddress = await pools.getAddress();
      for (const send of [
        () => pools.connect(curator).setWeight(poolId, artA, 9),
        () => pools.connect(curator).remove(poolId, artB),
        () => pools.connect(curator).admit(poolId, artB, 1),
        () => pools.connect(curator).proposeCurator(poolId, curator),
        () => pools.connect(curator).acceptCurator(poolId),
        () => pools.connect(curator).settle(poolId, [artA, artB], 1),
        () => pools.connect(curator).accrue(poolId),
      ]) {
        await expect(send()).to.changeTokenBalances(token, [pools, curator], [0n, 0n]);
      }
      // The curator holds no slot, so it cannot claim; nor can it cancel the funder's stream.
      await expect(pools.connect(curator).claim(poolId, [target(artA, 0)], curator))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artA, 0n, curator.address);
      await expect(pools.connect(curator).cancelStream(poolId, S, S + 1000n))
        .to.be.revertedWithCustomError(pools, "UnknownStream")
        .withArgs(poolId, streamIdOf(curator.address, S, S + 1000n, true));

      await pools.connect(alice).claim(poolId, [target(artA, 0)], alice);
      await pools.connect(carol).claim(poolId, [target(artB, 0)], carol);
      await pools.connect(funder).cancelStream(poolId, S, S + 1000n);
      const outflows = await token.queryFilter(token.filters.Transfer(poolAddress));
      const claims = await pools.queryFilter(pools.filters.RewardsClaimed(poolId));
      const cancels = await pools.queryFilter(pools.filters.StreamCancelled(poolId));
      expect(outflows.map((e) => [e.transactionHash, e.args.to, e.args.value])).to.deep.equal([
        ...claims.map((e) => [e.transactionHash, e.args.recipient, e.args.amount]),
        ...cancels.map((e) => [e.transactionHash, e.args.funder, e.args.refunded]),
      ]);
      expect(claims.length).to.equal(2);
      expect(cancels.length).to.equal(1);
    });
  });
});
