import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { planClaims, settleList } from "../../src/claims";
import { syncHistory } from "../../src/history";
import { sendPlan } from "../../src/tx";
import { createPool, deploySuite, registerArtifact, tokens } from "../helpers/pools";

const DERIVATIVES = 12;

/**
 * Parent P (alice) with 12 derivatives (bob's, 10 % upstream each), admitted to one pool with weight 1 each and
 * funded 100 tokens per member, so 12 settlements wait before alice's claim of P (12 × 10 tokens of upstream).
 * With `admitParent`, P is a member too and pays alice 100 tokens directly.
 */
async function lineage(admitParent: boolean) {
  const [deployer, curator, funder, alice, bob] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  const parent = await registerArtifact(registry, deployer, { name: "claims/P", contributors: [[alice, 1]] });
  const children: string[] = [];
  for (let i = 0; i < DERIVATIVES; i++)
    children.push(
      await registerArtifact(registry, deployer, {
        name: `claims/D${i}`,
        contributors: [[bob, 1]],
        parents: [parent],
        upstreamBps: 1000,
      }),
    );
  const members = admitParent ? [parent, ...children] : children;
  const poolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admitMany(poolId, members, Array(members.length).fill(1));
  await token.connect(funder).approve(pools, ethers.MaxUint256);
  await pools.connect(funder).fund(poolId, tokens(100 * members.length));
  const { view } = await syncHistory({ provider: ethers.provider, chainId: 31337n, registry, pools });
  const settle = await settleList(pools, poolId, view, [parent]);
  const entries = [{ poolId, settle, targets: [{ artifact: parent, slot: 0n }] }];
  // Under the gas cap the settlements and the claim go together, in one multicall; a cap just below that
  // (with the splitter's 90 % fill) leaves the settlements no room beside the claim.
  const together = (await planClaims(pools, alice, entries, alice.address, { index: view }))!;
  const gasTogether = await ethers.provider.estimateGas({
    from: alice.address,
    to: together.steps[0].to,
    data: together.steps[0].data,
  });
  const maxPerTx = (gasTogether * 10n) / 9n - 1n;
  return { pools, token, alice, parent, poolId, view, settle, entries, together, maxPerTx };
}
const withParent = () => lineage(true);
const upstreamOnly = () => lineage(false);

describe("planClaims", function () {
  it("puts a pool's settlements first, in transactions of their own, when they outgrow one with the claim", async function () {
    const { pools, token, alice, parent, poolId, view, settle, entries, together, maxPerTx } =
      await loadFixture(withParent);
    expect(settle).to.have.length(DERIVATIVES);
    expect(together.steps).to.have.length(1);
    expect(await pools.connect(alice).settle.estimateGas(poolId, settle, 1)).to.be.lessThan(
      (maxPerTx * 9n) / 10n,
    );

    const plan = (await planClaims(pools, alice, entries, alice.address, { index: view, maxPerTx }))!;
    expect(plan.steps.map((s) => s.data.slice(0, 10))).to.deep.equal([
      pools.interface.getFunction("settle").selector,
      pools.interface.getFunction("multicall").selector,
    ]);
    expect(plan.steps[0].label).to.match(new RegExp(`^settle pool #${poolId}, `));
    expect(plan.notes[0]).to.equal(
      `pool #${poolId}: the settlements of ${DERIVATIVES} derivatives do not fit one transaction with the claims; they go first`,
    );

    // Sent, the claim pays alice P's 100 tokens and the 12 × 10 its derivatives passed up: every settlement
    // was mined before it.
    const before = await token.balanceOf(alice.address);
    const result = await sendPlan(plan, alice, { maxPerTx });
    expect(result.steps).to.have.length(2);
    expect(result.events.filter((e) => e.name === "ArtifactSettled")).to.have.length(DERIVATIVES);
    const claimed = result.events.filter((e) => e.name === "RewardsClaimed");
    expect(claimed).to.have.length(1);
    expect(claimed[0].args.amount).to.equal(tokens(220));
    expect((await token.balanceOf(alice.address)) - before).to.equal(tokens(220));
    expect(await pools.claimable(poolId, parent, alice.address)).to.equal(0n);
  });

  it("only settles a pool whose targets pay nothing before the settlements, and says to claim again", async function () {
    const { pools, token, alice, parent, poolId, view, entries, maxPerTx } = await loadFixture(upstreamOnly);
    const plan = (await planClaims(pools, alice, entries, alice.address, { index: view, maxPerTx }))!;
    expect(plan.steps.map((s) => s.data.slice(0, 10))).to.deep.equal([
      pools.interface.getFunction("settle").selector,
    ]);
    expect(plan.notes).to.include(
      `pool #${poolId}: nothing is claimable before the settlements; claim again once they are mined`,
    );
    const before = await token.balanceOf(alice.address);
    await sendPlan(plan, alice, { maxPerTx });
    expect(await token.balanceOf(alice.address)).to.equal(before);
    expect(await pools.claimable(poolId, parent, alice.address)).to.equal(tokens(120));
  });
});
