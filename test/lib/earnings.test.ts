import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { accountEarnings } from "../../src/earnings";
import { MemoryHistoryStore, syncHistory } from "../../src/history";
import { accountArtifacts, poolsOverview } from "../../src/overview";
import type { RewardPools } from "../../typechain-types";
import { createPool, deploySuite, deployToken, registerArtifact, target, tokens } from "../helpers/pools";

/**
 * The cast (alice is the account under test):
 *   P1  alice 60 / bob 40, no parents                  pool 1 weight 1
 *   P2  alice 1                                        pool 2 weight 1
 *   C   carol 1, parents [P1, P2], upstream 30 %       pool 1 weight 2 (not in pool 2)
 *   G   bob 1, parent C, upstream 50 %                 pool 1 weight 1, pool 2 weight 3
 *   R   alice 1 / carol 1, parent P1, upstream 10 %    pool 1 weight 1
 * In pool 2, P2 earns from G only through C, which is no member there: two lineage steps.
 */
async function earningsFixture() {
  const [deployer, curator, funder, alice, bob, carol] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  const token2 = await deployToken(funder.address);
  const P1 = await registerArtifact(registry, deployer, {
    name: "earnings/P1",
    contributors: [
      [alice, 60],
      [bob, 40],
    ],
  });
  const P2 = await registerArtifact(registry, deployer, { name: "earnings/P2", contributors: [[alice, 1]] });
  const C = await registerArtifact(registry, deployer, {
    name: "earnings/C",
    contributors: [[carol, 1]],
    parents: [P1, P2],
    upstreamBps: 3000,
  });
  const G = await registerArtifact(registry, deployer, {
    name: "earnings/G",
    contributors: [[bob, 1]],
    parents: [C],
    upstreamBps: 5000,
  });
  const R = await registerArtifact(registry, deployer, {
    name: "earnings/R",
    contributors: [
      [alice, 1],
      [carol, 1],
    ],
    parents: [P1],
    upstreamBps: 1000,
  });
  const pool1 = await createPool(pools, deployer, token, curator);
  const pool2 = await createPool(pools, deployer, token2, curator);
  await pools.connect(curator).admitMany(pool1, [P1, C, G, R], [1, 2, 1, 1]);
  await pools.connect(curator).admitMany(pool2, [P2, G], [1, 3]);
  await token.connect(funder).approve(pools, tokens(10_000));
  await token2.connect(funder).approve(pools, tokens(10_000));
  await pools.connect(funder).fund(pool1, tokens(1_000));
  await pools.connect(funder).fund(pool2, tokens(400));
  // Some flow moves now (G into C in pool 1; G into C, C into P1/P2 in pool 2), alice claims part of pool 2,
  // and more money arrives, so some flow waits unsettled when earnings are read.
  await pools.settle(pool1, [G], 1);
  await pools.settle(pool2, [G], 2);
  await pools.connect(alice).claim(pool2, [target(P2)], alice);
  await pools.connect(funder).fund(pool1, tokens(300));
  await pools.connect(funder).fund(pool2, tokens(100));
  return { registry, pools, token, token2, pool1, pool2, P1, P2, C, G, R, alice, bob, carol };
}

async function viewAt(f: Awaited<ReturnType<typeof earningsFixture>>) {
  const { chainId } = await ethers.provider.getNetwork();
  const { view } = await syncHistory({
    provider: ethers.provider,
    chainId,
    registry: f.registry,
    pools: f.pools,
    store: new MemoryHistoryStore(),
  });
  return view;
}

async function claimableMany(pools: RewardPools, poolId: bigint, artifacts: string[], account: string) {
  return artifacts.length === 0 ? 0n : pools.claimableMany(poolId, artifacts, account);
}

describe("accountEarnings", function () {
  it("equals the contract's claimable views to the wei, for every account, pool and artifact", async function () {
    const f = await loadFixture(earningsFixture);
    const view = await viewAt(f);
    const all = [f.P1, f.P2, f.C, f.G, f.R];
    for (const who of [f.alice, f.bob, f.carol]) {
      const earnings = await accountEarnings({ history: view, pools: f.pools, account: who.address });
      for (const poolId of [f.pool1, f.pool2]) {
        const entry = earnings.pools.find((p) => p.poolId === poolId);
        let sum = 0n;
        for (const artifact of all) {
          const expected = await f.pools.claimable(poolId, artifact, who.address);
          const got = entry?.artifacts.find((a) => a.artifact === artifact.toLowerCase());
          expect(got?.claimable ?? 0n, `${who.address} ${artifact} in pool ${poolId}`).to.equal(expected);
          if (got) expect(got.direct + got.fromDerivatives).to.equal(got.claimable);
          sum += expected;
        }
        const mine = view.artifactsOf(who.address);
        expect(entry?.claimable ?? 0n).to.equal(sum);
        expect(sum).to.equal(await claimableMany(f.pools, poolId, mine, who.address));
      }
    }
  });

  it("names the pools, tokens, slots and what came from derivatives", async function () {
    const f = await loadFixture(earningsFixture);
    const view = await viewAt(f);
    const earnings = await accountEarnings({ history: view, pools: f.pools, account: f.alice.address });
    expect(earnings.pools.map((p) => [p.poolId, p.token.symbol])).to.deep.equal([
      [f.pool1, "COMM"],
      [f.pool2, "SEC"],
    ]);
    const pool1 = earnings.pools[0];
    expect(pool1.artifacts.map((a) => [a.artifact, a.slot, a.share, a.totalShares, a.weight])).to.deep.equal([
      [f.P1.toLowerCase(), 0, 60n, 100n, 1n],
      // No member of pool 1, but C, its child, is: what C passes up reaches it.
      [f.P2.toLowerCase(), 0, 1n, 1n, 0n],
      [f.R.toLowerCase(), 0, 1n, 2n, 1n],
    ]);
    // In pool 1 only G was settled: the flow waits in C, which reaches P2 once settled.
    expect(pool1.artifacts[1].claimable).to.equal(0n);
    expect(pool1.artifacts[1].waiting).to.be.greaterThan(0n);
    expect(pool1.artifacts[2].fromDerivatives).to.equal(0n);
    // P2 claimed its pool-2 earnings once: claimed is the RewardsClaimed amount.
    const pool2 = earnings.pools[1];
    expect(pool2.artifacts.map((a) => [a.artifact, a.weight])).to.deep.equal([
      [f.P1.toLowerCase(), 0n],
      [f.P2.toLowerCase(), 1n],
    ]);
    // P1 is no member of pool 2: everything it has there came from derivatives (G, through C).
    expect(pool2.artifacts[0].claimable).to.be.greaterThan(0n);
    expect(pool2.artifacts[0].fromDerivatives).to.equal(pool2.artifacts[0].claimable);
    expect(pool2.artifacts[0].direct).to.equal(0n);
    // P2 earns both ways there.
    expect(pool2.artifacts[1].direct).to.be.greaterThan(0n);
    expect(pool2.artifacts[1].fromDerivatives).to.be.greaterThan(0n);
    const [claimLog] = await f.pools.queryFilter(f.pools.filters.RewardsClaimed(f.pool2));
    expect(pool2.artifacts[1].claimed).to.equal(claimLog.args.amount);
    expect(pool2.artifacts[1].claimed).to.equal(await f.pools.claimed(f.pool2, f.P2, 0));
  });

  it("waiting is exactly what settling the derivatives (as kc claim does) adds", async function () {
    const f = await loadFixture(earningsFixture);
    const view = await viewAt(f);
    const earnings = await accountEarnings({ history: view, pools: f.pools, account: f.alice.address });
    const waiting = earnings.pools.map((p) => p.waiting);
    expect(waiting[0]).to.be.greaterThan(0n);
    expect(waiting[1]).to.be.greaterThan(0n);
    // Settle every downstream artifact, latest first, one level each, as the earnings simulation does.
    await f.pools.settle(f.pool1, [f.R, f.G, f.C], 1);
    await f.pools.settle(f.pool2, [f.G, f.C], 1);
    for (const p of earnings.pools) {
      for (const a of p.artifacts) {
        expect(await f.pools.claimable(p.poolId, a.artifact, f.alice.address)).to.equal(
          a.claimable + a.waiting,
        );
      }
    }
  });

  it("lists every pool and the account's artifacts from the history", async function () {
    const f = await loadFixture(earningsFixture);
    const view = await viewAt(f);
    const overview = await poolsOverview(view, f.pools);
    expect(overview.map((p) => [p.poolId, p.token.symbol, p.members, p.totalWeight, p.funded])).to.deep.equal(
      [
        [f.pool1, "COMM", 4, 5n, tokens(1_300)],
        [f.pool2, "SEC", 2, 4n, tokens(500)],
      ],
    );
    const claimed = await f.pools.claimed(f.pool2, f.P2, 0);
    expect(overview[1].claimed).to.equal(claimed);
    const mine = accountArtifacts(view, f.carol.address);
    expect(
      mine.map((a) => [a.artifact, a.slot, a.share, a.totalShares, a.parents.length, a.children]),
    ).to.deep.equal([
      [f.C.toLowerCase(), 0, 1n, 1n, 2, 1],
      [f.R.toLowerCase(), 1, 1n, 2n, 1, 0],
    ]);
    expect(mine[0].pools).to.deep.equal([{ poolId: f.pool1, weight: 2n }]);
  });
});
