import { expect } from "chai";
import { ZeroHash } from "ethers";
import { ethers, ignition, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { AddressLike, BaseContract, Result } from "ethers";

import RewardPoolsModule from "../ignition/modules/RewardPools";
import { COMMIT_REVEAL_OFF, digestOf, registration } from "./helpers/registry";
import { streamIdOf } from "./helpers/pools";
import type { KnowledgeRegistry, RewardPools } from "../typechain-types";

/**
 * RewardPools against non-standard ERC-20s (mocks in contracts/mocks/): the pool credits what arrives, moves
 * tokens only through SafeERC20, never transfers 0, refuses re-entry, and survives amounts near 2^128.
 */

const U128_MAX = (1n << 128n) - 1n;
const U168_MAX = (1n << 168n) - 1n;

/** R: root (alice 60, bob 40). R2: root (dave). C: child of R, 20 % upstream (carol). */
const R = digestOf("tokens:R");
const R2 = digestOf("tokens:R2");
const C = digestOf("tokens:C");
const target = (artifact: string, slot = 0) => ({ artifact, slot });

async function tokensFixture() {
  const [curator, funder, alice, bob, carol, dave] = await ethers.getSigners();
  const { registry, pools } = (await ignition.deploy(RewardPoolsModule, {
    parameters: COMMIT_REVEAL_OFF,
  })) as unknown as {
    registry: KnowledgeRegistry;
    pools: RewardPools;
  };
  await registry.register(
    registration({
      digest: R,
      contributors: [
        { account: alice.address, share: 60 },
        { account: bob.address, share: 40 },
      ],
    }),
  );
  await registry.register(registration({ digest: R2, contributors: [{ account: dave.address, share: 1 }] }));
  await registry.register(
    registration({
      digest: C,
      contributors: [{ account: carol.address, share: 1 }],
      parents: [R],
      upstreamBps: 2000,
    }),
  );
  const fee = await ethers.deployContract("FeeOnTransferToken", [100]); // 1 %
  const noReturn = await ethers.deployContract("NoReturnToken");
  const falseReturn = await ethers.deployContract("FalseReturnToken");
  const revertOnZero = await ethers.deployContract("RevertOnZeroTransferToken");
  const reentrant = await ethers.deployContract("ReentrantToken");
  const blocklist = await ethers.deployContract("BlocklistToken");
  const usdc = await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
  const whole = await ethers.deployContract("MockERC20", ["Whole", "WHL", 0]);
  const big = await ethers.deployContract("MockERC20", ["Big", "BIG", 18]);
  const all = [fee, noReturn, falseReturn, revertOnZero, reentrant, blocklist, usdc, whole, big];
  for (const token of all) {
    await token.mint(funder.address, 1n << 131n);
    await token.connect(funder).approve(await pools.getAddress(), ethers.MaxUint256);
  }
  return {
    registry,
    pools,
    curator,
    funder,
    alice,
    bob,
    carol,
    dave,
    fee,
    noReturn,
    falseReturn,
    revertOnZero,
    reentrant,
    blocklist,
    usdc,
    whole,
    big,
  };
}

type Env = Awaited<ReturnType<typeof tokensFixture>>;

/** Creates a pool paying `token` and admits `members` ([digest, weight]); returns its id. */
async function poolOf(env: Env, token: AddressLike, members: [string, number][]): Promise<bigint> {
  await env.pools.connect(env.curator).createPool(token, env.curator.address, 0);
  const id = await env.pools.poolCount();
  for (const [digest, weight] of members) await env.pools.connect(env.curator).admit(id, digest, weight);
  return id;
}

interface BalanceOf {
  balanceOf(account: AddressLike): Promise<bigint>;
}

/** Everything a failed call must leave unchanged: pool, members, claims, claimables and token balances. */
async function stateOf(env: Env, poolId: bigint, token: BaseContract & BalanceOf) {
  const { pools } = env;
  const accounts = [pools, env.funder, env.alice, env.bob, env.carol, env.dave];
  return {
    pool: ((await pools.pool(poolId)) as unknown as Result).toObject(),
    members: await Promise.all(
      [R, R2, C].map(async (d) => ((await pools.member(poolId, d)) as unknown as Result).toObject()),
    ),
    claimed: await Promise.all(
      [target(R, 0), target(R, 1), target(R2), target(C)].map((t) =>
        pools.claimed(poolId, t.artifact, t.slot),
      ),
    ),
    claimable: await Promise.all(
      [env.alice, env.bob, env.carol, env.dave].map((a) => pools.claimableMany(poolId, [R, R2, C], a)),
    ),
    balances: await Promise.all(accounts.map((a) => token.balanceOf(a))),
  };
}

/**
 * Runs `failing` (an assertion that a transaction reverts) in the next second and checks that the state is what
 * it would have been in that second without the transaction (a running stream keeps releasing meanwhile).
 */
async function expectUnchanged(
  env: Env,
  poolId: bigint,
  token: BaseContract & BalanceOf,
  failing: () => Promise<unknown>,
) {
  const at = (await time.latest()) + 1;
  const snapshot = await network.provider.send("evm_snapshot");
  await time.increaseTo(at);
  const expected = await stateOf(env, poolId, token);
  await network.provider.send("evm_revert", [snapshot]);
  await time.setNextBlockTimestamp(at);
  await failing();
  if ((await time.latest()) < at) await time.increaseTo(at);
  expect(await time.latest()).to.equal(at);
  expect(await stateOf(env, poolId, token)).to.deep.equal(expected);
}

describe("RewardPools", function () {
  describe("with a fee-on-transfer token", function () {
    it("credits only what arrived: PoolFunded.received is the amount minus the fee", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, fee, alice, bob } = env;
      const poolId = await poolOf(env, fee, [[R, 1]]);
      const funding = pools.connect(funder).fund(poolId, 10_000n);
      await expect(funding).to.emit(pools, "PoolFunded").withArgs(poolId, funder.address, 10_000n, 9_900n);
      await expect(funding).to.changeTokenBalances(fee, [funder, pools], [-10_000n, 9_900n]);
      const start = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(start);
      await expect(pools.connect(funder).fundStream(poolId, 10_000n, 100, false, 0))
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start, start + 100, false),
          funder.address,
          10_000n,
          9_900n,
          start,
          start + 100,
          false,
        );
      // The rate is the received amount's: 9_900 over 100 s = 99 units per second exactly.
      expect((await pools.pool(poolId)).rate).to.equal(99n << 32n);
      await time.increase(200);
      expect(await pools.claimable(poolId, R, alice)).to.equal((19_800n * 60n) / 100n);
      expect(await pools.claimable(poolId, R, bob)).to.equal((19_800n * 40n) / 100n);
    });

    it("stays solvent: the pool pays each claim in full and the last claimant empties it exactly", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, fee, alice, bob } = env;
      const poolId = await poolOf(env, fee, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 10_000n); // 9_900 arrive: alice 5_940, bob 3_960
      // The pool sends 5_940; the token burns 1 % on the way, which is the token's doing, not the pool's.
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalances(
        fee,
        [pools, alice],
        [-5_940n, 5_881n],
      );
      await expect(pools.connect(bob).claim(poolId, [target(R, 1)], bob)).to.changeTokenBalances(
        fee,
        [pools, bob],
        [-3_960n, 3_921n],
      );
      expect(await fee.balanceOf(pools)).to.equal(0n);
      expect((await pools.pool(poolId)).carried).to.equal(0n);
    });
  });

  describe("with a fee-on-transfer token, cancelling", function () {
    it("refunds the unreleased part of what arrived; the token takes its fee on the way back", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, fee, alice, bob } = env;
      const poolId = await poolOf(env, fee, [[R, 1]]);
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, 10_000n, 100, true, 0); // 9_900 arrive: 99 per second
      await time.setNextBlockTimestamp(start + 50n);
      // released ceil(99 · 2^32 · 50 / 2^32) = 4_950, refunded 9_900 − 4_950 = 4_950, of which the token burns 49.
      const cancel = pools.connect(funder).cancelStream(poolId, start, start + 100n);
      await expect(cancel)
        .to.emit(pools, "StreamCancelled")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start, start + 100n, true),
          funder.address,
          4_950n,
          4_950n,
        );
      await expect(cancel).to.changeTokenBalances(fee, [pools, funder], [-4_950n, 4_901n]);
      expect(await pools.claimable(poolId, R, alice)).to.equal(2_970n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(1_980n);
      expect(await fee.balanceOf(pools)).to.equal(4_950n);
    });
  });

  describe("with a token that returns no value (USDT-style)", function () {
    it("funds and pays claims", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, noReturn, alice, bob } = env;
      const poolId = await poolOf(env, noReturn, [[R, 1]]);
      await expect(pools.connect(funder).fund(poolId, 1_000_000n))
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, funder.address, 1_000_000n, 1_000_000n);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalances(
        noReturn,
        [pools, alice],
        [-600_000n, 600_000n],
      );
      await expect(pools.connect(bob).claim(poolId, [target(R, 1)], alice)).to.changeTokenBalances(
        noReturn,
        [pools, alice],
        [-400_000n, 400_000n],
      );
    });

    it("still reverts when the token reverts (funding beyond the balance)", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, noReturn, dave } = env;
      const poolId = await poolOf(env, noReturn, [[R, 1]]);
      await noReturn.connect(dave).approve(pools, ethers.MaxUint256);
      await expect(pools.connect(dave).fund(poolId, 1n)).to.be.revertedWithCustomError(
        noReturn,
        "Insufficient",
      );
    });
  });

  describe("with a token that returns false", function () {
    it("fund reverts with SafeERC20FailedOperation(token) when transferFrom returns false; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, falseReturn, dave } = env;
      const poolId = await poolOf(env, falseReturn, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      // dave holds nothing: the token answers false instead of reverting.
      await falseReturn.connect(dave).approve(pools, ethers.MaxUint256);
      await expectUnchanged(env, poolId, falseReturn, async () =>
        expect(pools.connect(dave).fund(poolId, 1n))
          .to.be.revertedWithCustomError(pools, "SafeERC20FailedOperation")
          .withArgs(await falseReturn.getAddress()),
      );
      await falseReturn.setFailAll(true);
      await expectUnchanged(env, poolId, falseReturn, async () =>
        expect(pools.connect(funder).fundStream(poolId, 1_000n, 10, false, 0))
          .to.be.revertedWithCustomError(pools, "SafeERC20FailedOperation")
          .withArgs(await falseReturn.getAddress()),
      );
    });

    it("claim reverts with SafeERC20FailedOperation(token) when transfer returns false; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, falseReturn, alice, carol } = env;
      const poolId = await poolOf(env, falseReturn, [
        [R, 1],
        [C, 1],
      ]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await falseReturn.setFailAll(true);
      await expectUnchanged(env, poolId, falseReturn, async () =>
        expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice))
          .to.be.revertedWithCustomError(pools, "SafeERC20FailedOperation")
          .withArgs(await falseReturn.getAddress()),
      );
      // A child's claim settles it first; the failed transfer undoes that too.
      await expectUnchanged(env, poolId, falseReturn, async () =>
        expect(pools.connect(carol).claim(poolId, [target(C)], carol))
          .to.be.revertedWithCustomError(pools, "SafeERC20FailedOperation")
          .withArgs(await falseReturn.getAddress()),
      );
      await falseReturn.setFailAll(false);
      await expect(pools.connect(carol).claim(poolId, [target(C)], carol)).to.changeTokenBalances(
        falseReturn,
        [pools, carol],
        [-400n, 400n],
      );
    });
  });

  describe("with a token that reverts on zero transfers", function () {
    it("funds and claims, and never transfers 0: NothingToClaim reverts first", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, revertOnZero, alice, bob, dave } = env;
      const poolId = await poolOf(env, revertOnZero, [
        [R, 1],
        [R2, 1],
      ]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalances(
        revertOnZero,
        [pools, alice],
        [-300n, 300n],
      );
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, alice.address);
      await expect(pools.connect(bob).claim(poolId, [], bob))
        .to.be.revertedWithCustomError(pools, "NothingToClaim")
        .withArgs(poolId, bob.address);
      await expect(pools.connect(funder).fund(poolId, 0n)).to.be.revertedWithCustomError(pools, "ZeroAmount");
      // A paying target and the same target again (dry by then): one transfer of the sum, no zero transfer.
      await pools.connect(env.curator).remove(poolId, R);
      await pools.connect(funder).fund(poolId, 10n);
      await expect(pools.connect(dave).claim(poolId, [target(R2), target(R2)], dave)).to.changeTokenBalances(
        revertOnZero,
        [pools, dave],
        [-510n, 510n],
      );
    });
  });

  describe("with a re-entrant token", function () {
    it("a hook calling claim during fund's transferFrom reverts with ReentrancyGuardReentrantCall; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      const claimCall = pools.interface.encodeFunctionData("claim", [poolId, [target(R, 0)], alice.address]);
      await reentrant.setHook(pools, claimCall, true);
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(pools.connect(funder).fund(poolId, 1_000n)).to.be.revertedWithCustomError(
          pools,
          "ReentrancyGuardReentrantCall",
        ),
      );
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(pools.connect(funder).fundStream(poolId, 1_000n, 10, false, 0)).to.be.revertedWithCustomError(
          pools,
          "ReentrancyGuardReentrantCall",
        ),
      );
    });

    it("a hook calling fund during claim's transfer reverts with ReentrancyGuardReentrantCall; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice, carol } = env;
      const poolId = await poolOf(env, reentrant, [
        [R, 1],
        [C, 1],
      ]);
      await pools.connect(funder).fund(poolId, 1_000n);
      // The hook runs as the token: give it tokens and an allowance so only the guard can stop it.
      await reentrant.mint(reentrant, 1_000n);
      const fundCall = pools.interface.encodeFunctionData("fund", [poolId, 1n]);
      await reentrant.setHook(pools, fundCall, true);
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.be.revertedWithCustomError(
          pools,
          "ReentrancyGuardReentrantCall",
        ),
      );
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(pools.connect(carol).claim(poolId, [target(C)], carol)).to.be.revertedWithCustomError(
          pools,
          "ReentrancyGuardReentrantCall",
        ),
      );
    });

    it("with the hook's failure swallowed, the outer call completes and the inner one was still refused", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await reentrant.setHook(pools, pools.interface.encodeFunctionData("fund", [poolId, 1n]), false);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalances(
        reentrant,
        [pools, alice],
        [-600n, 600n],
      );
      expect(await reentrant.lastHookSuccess()).to.equal(false);
      expect(await reentrant.lastHookResult()).to.equal(
        pools.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
    });
    it("every token-moving entry point refuses to be re-entered from a transfer hook; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      const far = (await time.latest()) + 3_600;
      const calls: [string, string][] = [
        ["fund", pools.interface.encodeFunctionData("fund", [poolId, 1n])],
        ["fundStream", pools.interface.encodeFunctionData("fundStream", [poolId, 1n, 10, true, 0])],
        [
          "fundWithPermit",
          pools.interface.encodeFunctionData("fundWithPermit", [poolId, 1n, far, 27, ZeroHash, ZeroHash]),
        ],
        [
          "fundStreamWithPermit",
          pools.interface.encodeFunctionData("fundStreamWithPermit", [
            poolId,
            1n,
            10,
            false,
            0,
            far,
            27,
            ZeroHash,
            ZeroHash,
          ]),
        ],
        ["cancelStream", pools.interface.encodeFunctionData("cancelStream", [poolId, 1n, far])],
        ["claim", pools.interface.encodeFunctionData("claim", [poolId, [target(R, 0)], alice.address])],
        ["claimFor", pools.interface.encodeFunctionData("claimFor", [poolId, alice.address, [target(R, 0)]])],
        [
          "claimBySig",
          pools.interface.encodeFunctionData("claimBySig", [
            poolId,
            [target(R, 0)],
            alice.address,
            alice.address,
            1n,
            0n,
            far,
            "0x",
          ]),
        ],
        [
          "multicall(claimFor)",
          pools.interface.encodeFunctionData("multicall", [
            [pools.interface.encodeFunctionData("claimFor", [poolId, alice.address, [target(R, 0)]])],
          ]),
        ],
      ];
      for (const [name, data] of calls) {
        await reentrant.setHook(pools, data, true);
        await expectUnchanged(env, poolId, reentrant, async () =>
          expect(
            pools.connect(alice).claim(poolId, [target(R, 0)], alice),
            `${name} re-entered from claim's transfer`,
          ).to.be.revertedWithCustomError(pools, "ReentrancyGuardReentrantCall"),
        );
      }
    });

    it("a hook re-entering from the transfers of claimFor and cancelStream is refused; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice, bob } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, 1_000n, 1_000, true, 0);
      const claimCall = pools.interface.encodeFunctionData("claim", [poolId, [target(R, 0)], alice.address]);
      await reentrant.setHook(pools, claimCall, true);
      // A keeper's claimFor for bob: its transfer to bob re-enters claim.
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(
          pools.connect(alice).claimFor(poolId, bob.address, [target(R, 1)]),
        ).to.be.revertedWithCustomError(pools, "ReentrancyGuardReentrantCall"),
      );
      // The funder's cancellation: its refund transfer re-enters claim.
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(
          pools.connect(funder).cancelStream(poolId, start, start + 1_000n),
        ).to.be.revertedWithCustomError(pools, "ReentrancyGuardReentrantCall"),
      );
      // A hook re-entering cancelStream from fund's transferFrom is refused as well.
      await reentrant.setHook(
        pools,
        pools.interface.encodeFunctionData("cancelStream", [poolId, start, start + 1_000n]),
        true,
      );
      await expectUnchanged(env, poolId, reentrant, async () =>
        expect(pools.connect(funder).fund(poolId, 10n)).to.be.revertedWithCustomError(
          pools,
          "ReentrancyGuardReentrantCall",
        ),
      );
      // Without the hook both go through.
      await reentrant.setHook(ethers.ZeroAddress, "0x", false);
      await expect(pools.connect(alice).claimFor(poolId, bob.address, [target(R, 1)])).to.emit(
        pools,
        "RewardsClaimed",
      );
      await expect(pools.connect(funder).cancelStream(poolId, start, start + 1_000n)).to.emit(
        pools,
        "StreamCancelled",
      );
    });

    it("a hook calling accrue (unguarded) during fundStream's transferFrom leaves the stream exact", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice, bob } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, 1_000n, 100, false, 0);
      await reentrant.setHook(pools, pools.interface.encodeFunctionData("accrue", [poolId]), true);
      await time.setNextBlockTimestamp(start + 50n);
      await expect(pools.connect(funder).fundStream(poolId, 2_000n, 100, false, 0))
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start + 50n, start + 150n, false),
          funder.address,
          2_000n,
          2_000n,
          start + 50n,
          start + 150n,
          false,
        );
      expect(await reentrant.lastHookSuccess()).to.equal(true);
      await reentrant.setHook(ethers.ZeroAddress, "0x", false);
      await time.increaseTo(start + 200n);
      // Both streams fully released: 3_000, alice 60 %, bob 40 %.
      expect(await pools.claimable(poolId, R, alice)).to.equal(1_800n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(1_200n);
      expect((await pools.pool(poolId)).streaming).to.equal(0n);
    });

    it("a hook calling settle (unguarded: it moves no tokens) during fund's transferFrom leaves the books exact", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, reentrant, alice, bob } = env;
      const poolId = await poolOf(env, reentrant, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await reentrant.setHook(pools, pools.interface.encodeFunctionData("settle", [poolId, [R], 1]), true);
      await expect(pools.connect(funder).fund(poolId, 1_000n))
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, funder.address, 1_000n, 1_000n);
      expect(await reentrant.lastHookSuccess()).to.equal(true);
      // R's contributors hold 60 / 40 of everything funded: nothing lost or counted twice by the nested settle.
      expect(await pools.claimable(poolId, R, alice)).to.equal(1_200n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(800n);
      expect(await reentrant.balanceOf(pools)).to.equal(2_000n);
    });
  });

  describe("with a token that delivers nothing", function () {
    it("reverts with NothingReceived(poolId) when a 100 % fee leaves the pool nothing; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder } = env;
      const burnAll = await ethers.deployContract("FeeOnTransferToken", [10_000]);
      await burnAll.mint(funder.address, 1_000n);
      await burnAll.connect(funder).approve(pools, ethers.MaxUint256);
      const poolId = await poolOf(env, burnAll, [[R, 1]]);
      await expectUnchanged(env, poolId, burnAll, async () =>
        expect(pools.connect(funder).fund(poolId, 1_000n))
          .to.be.revertedWithCustomError(pools, "NothingReceived")
          .withArgs(poolId),
      );
      await expect(pools.connect(funder).fundStream(poolId, 1_000n, 10, false, 0))
        .to.be.revertedWithCustomError(pools, "NothingReceived")
        .withArgs(poolId);
    });
  });

  describe("with a blocklisting token", function () {
    it("a blocklisted contributor cannot receive, but can claim to another recipient", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, blocklist, alice, dave } = env;
      const poolId = await poolOf(env, blocklist, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await blocklist.setBlocklisted(alice, true);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice))
        .to.be.revertedWithCustomError(blocklist, "Blocklisted")
        .withArgs(alice.address);
      expect(await pools.claimable(poolId, R, alice)).to.equal(600n);
      const claiming = pools.connect(alice).claim(poolId, [target(R, 0)], dave);
      await expect(claiming)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, R, alice.address, 0n, dave.address, 600n);
      await expect(claiming).to.changeTokenBalances(blocklist, [pools, dave, alice], [-600n, 600n, 0n]);
      expect(await pools.claimed(poolId, R, 0)).to.equal(600n);
      expect(await pools.claimable(poolId, R, alice)).to.equal(0n);
    });

    it("a keeper's claimFor pays the account itself, so it reverts for a blocklisted account; claim to another recipient works", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, blocklist, alice, bob, dave } = env;
      const poolId = await poolOf(env, blocklist, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1_000n);
      await blocklist.setBlocklisted(alice, true);
      await expectUnchanged(env, poolId, blocklist, async () =>
        expect(pools.connect(bob).claimFor(poolId, alice.address, [target(R, 0)]))
          .to.be.revertedWithCustomError(blocklist, "Blocklisted")
          .withArgs(alice.address),
      );
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], dave)).to.changeTokenBalances(
        blocklist,
        [pools, dave, alice],
        [-600n, 600n, 0n],
      );
    });

    it("a blocklisted funder cannot cancel (the refund goes to the funder only): the stream runs on to its end", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, blocklist, alice, bob } = env;
      const poolId = await poolOf(env, blocklist, [[R, 1]]);
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, 1_000n, 100, true, 0);
      const id = streamIdOf(funder.address, start, start + 100n, true);
      await blocklist.setBlocklisted(funder, true);
      await time.setNextBlockTimestamp(start + 40n);
      await expectUnchanged(env, poolId, blocklist, async () =>
        expect(pools.connect(funder).cancelStream(poolId, start, start + 100n))
          .to.be.revertedWithCustomError(blocklist, "Blocklisted")
          .withArgs(funder.address),
      );
      expect(await pools.cancelableAmount(poolId, id)).to.equal(1_000n);
      await time.increaseTo(start + 100n);
      await blocklist.setBlocklisted(funder, false);
      await expect(pools.connect(funder).cancelStream(poolId, start, start + 100n))
        .to.be.revertedWithCustomError(pools, "StreamEnded")
        .withArgs(id, start + 100n);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalance(
        blocklist,
        alice,
        600n,
      );
      await expect(pools.connect(bob).claim(poolId, [target(R, 1)], bob)).to.changeTokenBalance(
        blocklist,
        bob,
        400n,
      );
      expect(await blocklist.balanceOf(pools)).to.equal(0n);
    });
  });

  describe("with 6 and 0 decimals", function () {
    it("pays a 6-decimals token exactly: weights 1 and 3, shares 60/40, 20 % upstream", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, usdc, alice, bob, carol } = env;
      const poolId = await poolOf(env, usdc, [
        [R, 1],
        [C, 3],
      ]);
      await pools.connect(funder).fund(poolId, 1_000_000n); // 1 USDC: R 250_000, C 750_000
      expect(await pools.claimable(poolId, R, alice)).to.equal(150_000n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(100_000n);
      expect(await pools.claimable(poolId, C, carol)).to.equal(600_000n);
      await pools.settle(poolId, [C], 1); // C's 150_000 upstream reach R
      expect(await pools.claimable(poolId, R, alice)).to.equal(240_000n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(160_000n);
      await expect(pools.connect(alice).claim(poolId, [target(R, 0)], alice)).to.changeTokenBalance(
        usdc,
        alice,
        240_000n,
      );
      await expect(pools.connect(bob).claim(poolId, [target(R, 1)], bob)).to.changeTokenBalance(
        usdc,
        bob,
        160_000n,
      );
      await expect(pools.connect(carol).claim(poolId, [target(C)], carol)).to.changeTokenBalance(
        usdc,
        carol,
        600_000n,
      );
      expect(await usdc.balanceOf(pools)).to.equal(0n);
    });

    it("rounds a 0-decimals token down per slot and pays the fractions once they add up to whole units", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, whole, alice, bob, dave } = env;
      const poolId = await poolOf(env, whole, [
        [R, 1],
        [R2, 2],
      ]);
      // 10 units over weights 1 and 2: R earns 3.33 (alice 2.0, bob 1.33), R2 6.67 (dave).
      await pools.connect(funder).fund(poolId, 10n);
      expect(await pools.claimable(poolId, R, alice)).to.equal(1n); // 1.99999… after the index rounds down
      expect(await pools.claimable(poolId, R, bob)).to.equal(1n);
      expect(await pools.claimable(poolId, R2, dave)).to.equal(6n);
      // 2 more: R 4 (alice 2.4, bob 1.6), R2 8.
      await pools.connect(funder).fund(poolId, 2n);
      expect(await pools.claimable(poolId, R, alice)).to.equal(2n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(1n);
      expect(await pools.claimable(poolId, R2, dave)).to.equal(7n); // 7.99999…
      await pools.connect(alice).claim(poolId, [target(R, 0)], alice);
      await pools.connect(bob).claim(poolId, [target(R, 1)], bob);
      await pools.connect(dave).claim(poolId, [target(R2)], dave);
      // 4 more: R 5.33 (alice 3.2, bob 2.13), R2 10.67: the fractions kept back are paid once they add up.
      await pools.connect(funder).fund(poolId, 4n);
      expect(await pools.claimable(poolId, R, alice)).to.equal(1n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(1n);
      expect(await pools.claimable(poolId, R2, dave)).to.equal(3n);
      // Never more than funded: 16 in, 10 paid, 5 claimable, 1 unit of slot fractions held back.
      expect(await whole.balanceOf(pools)).to.equal(6n);
    });

    it("cancels a 0-decimals stream exactly: 1,000 units over 30 days, cancelled on day 9, refund 700", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, whole, alice, bob } = env;
      const poolId = await poolOf(env, whole, [[R, 1]]);
      const day = 86_400n;
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, 1_000n, 30n * day, true, 0);
      // rate = floor(1000 · 2^32 / 2,592,000) = 1,657,008; by day 9 floor(rate · 777,600 / 2^32) = 299 released.
      expect((await pools.pool(poolId)).rate).to.equal(1_657_008n);
      await time.increaseTo(start + 9n * day - 1n);
      expect((await pools.pool(poolId)).streaming).to.equal(701n);
      // Cancelled at day 9: released ceil(rate · 777,600 / 2^32) = ceil(299.99982…) = 300, refunded 700.
      await time.setNextBlockTimestamp(start + 9n * day);
      const cancel = pools.connect(funder).cancelStream(poolId, start, start + 30n * day);
      await expect(cancel)
        .to.emit(pools, "StreamCancelled")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start, start + 30n * day, true),
          funder.address,
          300n,
          700n,
        );
      await expect(cancel).to.changeTokenBalances(whole, [pools, funder], [-700n, 700n]);
      // The unit the rounding up completed is carried to the next distribution; then R's 300 is 180 / 120.
      // Claims read 299 until a stored distribution takes the carried unit along.
      expect(await pools.claimable(poolId, R, alice)).to.equal(179n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(119n);
      await expect(pools.accrue(poolId))
        .to.emit(pools, "PoolAccrued")
        .withArgs(poolId, 300n << 40n, start + 9n * day + 1n, 0n);
      expect(await pools.claimable(poolId, R, alice)).to.equal(180n);
      expect(await pools.claimable(poolId, R, bob)).to.equal(120n);
      expect(await whole.balanceOf(pools)).to.equal(300n);
    });

    it("cancels a 6-decimals stream exactly: what the funder and the members get adds up to the amount", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, usdc, alice, bob } = env;
      const poolId = await poolOf(env, usdc, [[R, 1]]);
      const amount = 1_234_567n; // 1.234567 USDC over 7 days
      const duration = 7n * 86_400n;
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await pools.connect(funder).fundStream(poolId, amount, duration, true, 0);
      const t = start + 3n * 86_400n + 1_234n;
      // released = ceil(floor(amount · 2^32 / duration) · elapsed / 2^32), computed here by hand.
      const rate = (amount << 32n) / duration;
      const released = (rate * (t - start) + (1n << 32n) - 1n) >> 32n;
      expect(released).to.equal(531_620n); // 1,234,567 · 260,434 / 604,800 = 531,619.08…, rounded up
      await time.setNextBlockTimestamp(t);
      await expect(pools.connect(funder).cancelStream(poolId, start, start + duration))
        .to.emit(pools, "StreamCancelled")
        .withArgs(
          poolId,
          streamIdOf(funder.address, start, start + duration, true),
          funder.address,
          released,
          amount - released,
        );
      await pools.accrue(poolId);
      const paid = (await pools.claimable(poolId, R, alice)) + (await pools.claimable(poolId, R, bob));
      // R holds all 531,620 (the unit completed by the rounding up reaches it at the accrual): 60 % = 318,972
      // and 40 % = 212,648, no fraction left.
      expect(paid).to.equal(531_620n);
      expect(await usdc.balanceOf(pools)).to.equal(released);
    });
  });

  describe("with amounts near 2^128", function () {
    for (const totalWeight of [1, 2, 3]) {
      it(`funds 2^127 over total weight ${totalWeight} and pays within 1 unit of the exact share`, async function () {
        const env = await loadFixture(tokensFixture);
        const { pools, funder, big, alice, bob, dave } = env;
        const members: [string, number][] =
          totalWeight === 1
            ? [[R, 1]]
            : [
                [R, 1],
                [R2, totalWeight - 1],
              ];
        const poolId = await poolOf(env, big, members);
        const amount = 1n << 127n;
        await pools.connect(funder).fund(poolId, amount);
        const W = BigInt(totalWeight);
        // Exact shares: alice 60 % and bob 40 % of R's 1/W, dave R2's (W-1)/W.
        const exact: [typeof alice, string, number, bigint, bigint][] = [
          [alice, R, 0, amount * 60n, 100n * W],
          [bob, R, 1, amount * 40n, 100n * W],
          [dave, R2, 0, amount * (W - 1n), W],
        ];
        let paid = 0n;
        for (const [who, digest, slot, num, den] of exact) {
          const floor = num / den;
          const got = await pools.claimable(poolId, digest, who);
          expect(got <= floor && got + 1n >= floor, `${who.address}: ${got} vs ${floor}`).to.equal(true);
          if (got === 0n) continue;
          await expect(pools.connect(who).claim(poolId, [target(digest, slot)], who)).to.changeTokenBalance(
            big,
            who,
            got,
          );
          paid += got;
        }
        expect(paid <= amount && paid + 3n >= amount).to.equal(true);
        expect(await big.balanceOf(pools)).to.equal(amount - paid);
      });
    }

    it("streams 2^127 and pays within 1 unit of the exact share halfway and at the end", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, big, alice, bob } = env;
      const poolId = await poolOf(env, big, [[R, 1]]);
      const amount = 1n << 127n;
      await pools.connect(funder).fundStream(poolId, amount, 1_000, false, 0);
      const start = BigInt(await time.latest());
      await time.increaseTo(start + 500n);
      const half = await pools.claimable(poolId, R, alice);
      expect(half <= (amount * 60n) / 200n && half + 1n >= (amount * 60n) / 200n).to.equal(true);
      await pools.connect(alice).claim(poolId, [target(R, 0)], alice); // at start + 501
      await time.increaseTo(start + 2_000n);
      const aliceRest = await pools.claimable(poolId, R, alice);
      const bobAll = await pools.claimable(poolId, R, bob);
      const aliceTotal = (await pools.claimed(poolId, R, 0)) + aliceRest;
      expect(aliceTotal <= (amount * 60n) / 100n && aliceTotal + 1n >= (amount * 60n) / 100n).to.equal(true);
      expect(bobAll <= (amount * 40n) / 100n && bobAll + 1n >= (amount * 40n) / 100n).to.equal(true);
      await pools.connect(alice).claim(poolId, [target(R, 0)], alice);
      await pools.connect(bob).claim(poolId, [target(R, 1)], bob);
      expect(await big.balanceOf(pools)).to.be.lessThanOrEqual(2n);
      expect((await pools.pool(poolId)).streaming).to.equal(0n);
    });

    it("reverts with PoolCapacityExceeded when the carried amount would pass the pool's capacity (2^128 - 1 pending); nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, big } = env;
      const poolId = await poolOf(env, big, []); // total weight 0: everything is carried
      await pools.connect(funder).fund(poolId, 1n << 127n);
      await pools.connect(funder).fund(poolId, (1n << 127n) - 1n);
      expect((await pools.pool(poolId)).carried).to.equal(U128_MAX);
      await expectUnchanged(env, poolId, big, async () =>
        expect(pools.connect(funder).fund(poolId, 1n))
          .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
          .withArgs(poolId, 1n),
      );
    });

    it("reverts with PoolCapacityExceeded when the stream would pass the pool's capacity; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, big } = env;
      const poolId = await poolOf(env, big, [[R, 1]]);
      await pools.connect(funder).fundStream(poolId, U128_MAX, 100_000_000, false, 0);
      await time.setNextBlockTimestamp((await time.latest()) + 10);
      await expectUnchanged(env, poolId, big, async () =>
        expect(pools.connect(funder).fundStream(poolId, 1n << 127n, 10, false, 0))
          .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
          .withArgs(poolId, 1n << 127n),
      );
    });

    it("reverts with PoolCapacityExceeded when an instant fund would pass the index range; nothing changes", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, big } = env;
      const poolId = await poolOf(env, big, [[R, 1]]);
      await pools.connect(funder).fund(poolId, 1n << 127n); // index 2^167
      await expectUnchanged(env, poolId, big, async () =>
        expect(pools.connect(funder).fund(poolId, 1n << 127n))
          .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
          .withArgs(poolId, 1n << 127n),
      );
      expect((await pools.pool(poolId)).index <= U168_MAX).to.equal(true);
    });

    it("refuses a stream that could take the index past uint168 once released: PoolCapacityExceeded", async function () {
      const env = await loadFixture(tokensFixture);
      const { pools, funder, big, carol } = env;
      const poolId = await poolOf(env, big, [[C, 1]]);
      await pools.connect(funder).fund(poolId, 1n << 127n); // index 2^167: half the range used
      const before = await pools.pool(poolId);
      const balance = await big.balanceOf(pools);
      await expect(pools.connect(funder).fundStream(poolId, 1n << 127n, 100, false, 0))
        .to.be.revertedWithCustomError(pools, "PoolCapacityExceeded")
        .withArgs(poolId, 1n << 127n);
      expect(await big.balanceOf(pools)).to.equal(balance);
      expect((await pools.pool(poolId)).index).to.equal(before.index);
      // What was accepted stays claimable, and the pool keeps working below its capacity.
      await time.increase(200);
      await expect(pools.connect(carol).claim(poolId, [target(C)], carol)).to.not.be.reverted;
      await expect(pools.connect(funder).fundStream(poolId, 1n << 100n, 100, false, 0)).to.not.be.reverted;
    });
  });
});
