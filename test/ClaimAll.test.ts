import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import ScoredProgramsModule from "../ignition/modules/ScoredPrograms";
import { claimAll, claimAllCalls, encodeClaimAll, MULTICALL3_ADDRESS } from "../src/claimAll";
import { createPool, deploySuite, deployToken, registerArtifact, tokens } from "./helpers/pools";
import { HASH_A, HASH_U, treeOf } from "./helpers/programs";
import type { MockMulticall3, ScoredPrograms } from "../typechain-types";

const WINDOW = 3600;

/**
 * Two pools and two programs (one in the pools' token, one in a second token) that all owe alice, plus bob and
 * carol who are owed too and must not be touched by alice's batch.
 */
async function claimAllFixture() {
  const [deployer, curator, scorer, guardian, funder, alice, bob, carol, relayer] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  const token2 = await deployToken(funder.address);
  const { programs: deployed } = await ignition.deploy(ScoredProgramsModule);
  const programs = deployed as unknown as ScoredPrograms;
  const multicall = (await ethers.deployContract("MockMulticall3", [true])) as unknown as MockMulticall3;
  // Like the canonical Multicall3: a failed call reverts the batch with the aggregator's own error.
  const opaque = (await ethers.deployContract("MockMulticall3", [false])) as unknown as MockMulticall3;

  // Pool 1: A (alice 60, bob 40) and D (alice 100), weight 1 each, 1000 tokens → 500 each: alice 300 + 500.
  // Pool 2: B (alice 50, carol 50), 400 tokens: alice 200.
  const artA = await registerArtifact(registry, deployer, {
    name: "all/A",
    contributors: [
      [alice, 60],
      [bob, 40],
    ],
  });
  const artD = await registerArtifact(registry, deployer, { name: "all/D", contributors: [[alice, 100]] });
  const artB = await registerArtifact(registry, deployer, {
    name: "all/B",
    contributors: [
      [alice, 50],
      [carol, 50],
    ],
  });
  await token.connect(funder).approve(pools, ethers.MaxUint256);
  const pool1 = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(pool1, artA, 1);
  await pools.connect(curator).admit(pool1, artD, 1);
  await pools.connect(funder).fund(pool1, tokens(1000));
  const pool2 = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(pool2, artB, 1);
  await pools.connect(funder).fund(pool2, tokens(400));

  // Program 1 pays the pools' token (alice 70, bob 30); program 2 a second token (alice 25, carol 5).
  await token.connect(funder).approve(programs, ethers.MaxUint256);
  await token2.connect(funder).approve(programs, ethers.MaxUint256);
  await programs.createProgram(token, scorer, guardian, WINDOW);
  await programs.createProgram(token2, scorer, guardian, WINDOW);
  await programs.connect(funder).fund(1n, tokens(100));
  await programs.connect(funder).fund(2n, tokens(30));
  const tree1 = treeOf([
    [alice.address, tokens(70)],
    [bob.address, tokens(30)],
  ]);
  const tree2 = treeOf([
    [alice.address, tokens(25)],
    [carol.address, tokens(5)],
  ]);
  await programs.connect(scorer).post(1n, 1, tree1.root, tree1.total, HASH_U, "u", HASH_A, "a");
  await programs.connect(scorer).post(2n, 1, tree2.root, tree2.total, HASH_U, "u", HASH_A, "a");
  await time.increase(WINDOW);

  const request = {
    account: alice.address,
    pools: {
      address: await pools.getAddress(),
      claims: [
        {
          poolId: pool1,
          settle: [],
          targets: [
            { artifact: artA, slot: 0n },
            { artifact: artD, slot: 0n },
          ],
        },
        { poolId: pool2, settle: [], targets: [{ artifact: artB, slot: 0n }] },
      ],
    },
    programs: {
      address: await programs.getAddress(),
      claims: [
        { programId: 1n, cumulativeAmount: tokens(70), proof: tree1.proof(alice.address) },
        { programId: 2n, cumulativeAmount: tokens(25), proof: tree2.proof(alice.address) },
      ],
    },
  };
  return {
    pools,
    programs,
    token,
    token2,
    multicall,
    opaque,
    alice,
    bob,
    carol,
    relayer,
    pool1,
    pool2,
    artA,
    artB,
    artD,
    tree1,
    request,
  };
}

describe("claimAll (pools and programs in one transaction)", function () {
  it("encodes claimFor per pool and claim per program, every call paying the account", async function () {
    const { request, pools, programs, alice, pool1 } = await loadFixture(claimAllFixture);
    const calls = claimAllCalls(request);
    expect(calls.map((c) => c.target)).to.deep.equal([
      await pools.getAddress(),
      await pools.getAddress(),
      await programs.getAddress(),
      await programs.getAddress(),
    ]);
    expect(calls.every((c) => c.allowFailure === false)).to.equal(true);
    const first = pools.interface.parseTransaction({ data: calls[0].callData })!;
    expect(first.name).to.equal("claimFor");
    expect(first.args.poolId).to.equal(pool1);
    expect(first.args.account).to.equal(alice.address);
    const third = programs.interface.parseTransaction({ data: calls[2].callData })!;
    expect(third.name).to.equal("claim");
    expect([third.args.programId, third.args.account, third.args.cumulativeAmount]).to.deep.equal([
      1n,
      alice.address,
      tokens(70),
    ]);
    expect(encodeClaimAll(request).to).to.equal(MULTICALL3_ADDRESS);
    expect(() => encodeClaimAll({ account: alice.address })).to.throw(RangeError, "nothing to claim");
  });

  it("pays alice from two pools and two programs in one transaction sent by a relayer", async function () {
    const { request, pools, programs, token, token2, multicall, alice, bob, carol, relayer, pool1, pool2 } =
      await loadFixture(claimAllFixture);
    const { to, data } = encodeClaimAll(request, await multicall.getAddress());
    const tx = relayer.sendTransaction({ to, data });
    // Pools: 300 + 500 + 200; program 1: 70 (same token); program 2: 25 of the second token.
    await expect(tx).to.changeTokenBalances(
      token,
      [alice, bob, carol, relayer, pools, programs, multicall],
      [tokens(1070), 0n, 0n, 0n, -tokens(1000), -tokens(70), 0n],
    );
    const receipt = (await (await tx).wait())!;
    // One transaction: the second token moved in the same receipt.
    const moved2 = receipt.logs
      .filter((l) => l.address === (token2.target as string))
      .map((l) => token2.interface.parseLog(l)!.args.toArray());
    expect(moved2).to.deep.equal([[await programs.getAddress(), alice.address, tokens(25)]]);
    expect(await token2.balanceOf(alice)).to.equal(tokens(25));
    expect(await token2.balanceOf(carol)).to.equal(0n);
    expect(await programs.claimed(1n, alice)).to.equal(tokens(70));
    expect(await programs.claimed(2n, alice)).to.equal(tokens(25));
    expect(await programs.claimed(1n, bob)).to.equal(0n);
    expect(await pools.claimable(pool1, request.pools.claims[0].targets[0].artifact, alice)).to.equal(0n);
    expect(await pools.claimable(pool1, request.pools.claims[0].targets[0].artifact, bob)).to.equal(
      tokens(200),
    );
    expect(await pools.claimable(pool2, request.pools.claims[1].targets[0].artifact, carol)).to.equal(
      tokens(200),
    );
  });

  it("claimAll simulates, sends and decodes what each pool and program paid", async function () {
    const { request, multicall, relayer, pool1, pool2, artA, artB, artD } =
      await loadFixture(claimAllFixture);
    const result = await claimAll(relayer, request, await multicall.getAddress());
    expect(result.pools).to.deep.equal([
      { poolId: pool1, artifact: artA.toLowerCase(), slot: 0n, amount: tokens(300) },
      { poolId: pool1, artifact: artD.toLowerCase(), slot: 0n, amount: tokens(500) },
      { poolId: pool2, artifact: artB.toLowerCase(), slot: 0n, amount: tokens(200) },
    ]);
    expect(result.programs).to.deep.equal([
      { programId: 1n, amount: tokens(70) },
      { programId: 2n, amount: tokens(25) },
    ]);
    expect(result.receipt.status).to.equal(1);
  });

  it("reverts the whole batch with the failing contract's own error, and sends nothing", async function () {
    const { request, programs, token, multicall, alice, relayer } = await loadFixture(claimAllFixture);
    await programs.claim(1n, alice, tokens(70), request.programs.claims[0].proof);
    const { to, data } = encodeClaimAll(request, await multicall.getAddress());
    await expect(relayer.sendTransaction({ to, data }))
      .to.be.revertedWithCustomError(programs, "NothingToClaim")
      .withArgs(1n, alice.address, tokens(70), tokens(70));
    const before = await token.balanceOf(alice);
    await expect(claimAll(relayer, request, await multicall.getAddress()))
      .to.be.revertedWithCustomError(programs, "NothingToClaim")
      .withArgs(1n, alice.address, tokens(70), tokens(70));
    expect(await token.balanceOf(alice)).to.equal(before);
  });

  it("names the failing claim's own error behind an aggregator that hides it", async function () {
    const { request, programs, opaque, alice, relayer } = await loadFixture(claimAllFixture);
    await programs.claim(1n, alice, tokens(70), request.programs.claims[0].proof);
    const { to, data } = encodeClaimAll(request, await opaque.getAddress());
    await expect(relayer.sendTransaction({ to, data }))
      .to.be.revertedWithCustomError(opaque, "CallFailed")
      .withArgs(2n);
    await expect(claimAll(relayer, request, await opaque.getAddress()))
      .to.be.revertedWithCustomError(programs, "NothingToClaim")
      .withArgs(1n, alice.address, tokens(70), tokens(70));
  });

  it("with allowFailure, skips the claim that fails and pays the others", async function () {
    const { request, programs, token, token2, multicall, alice, relayer, pool1 } =
      await loadFixture(claimAllFixture);
    await programs.claim(1n, alice, tokens(70), request.programs.claims[0].proof);
    const result = await claimAll(relayer, { ...request, allowFailure: true }, await multicall.getAddress());
    expect(result.programs).to.deep.equal([{ programId: 2n, amount: tokens(25) }]);
    expect(result.pools.map((p) => [p.poolId, p.amount])).to.deep.equal([
      [pool1, tokens(300)],
      [pool1, tokens(500)],
      [request.pools.claims[1].poolId, tokens(200)],
    ]);
    expect(await token.balanceOf(alice)).to.equal(tokens(1070));
    expect(await token2.balanceOf(alice)).to.equal(tokens(25));
  });
});
