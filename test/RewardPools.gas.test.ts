import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";

import { createPool, deploySuite, registerArtifact, registrationOf, target, tokens } from "./helpers/pools";
import type { KnowledgeRegistry } from "../typechain-types";

/** Budgets from issue 4, whole-transaction gasUsed. */
const BUDGET = {
  repeatClaim: 65_000n,
  firstClaim: 100_000n,
  extraArtifact: 25_000n,
  fund: 65_000n,
  fundStream: 80_000n,
  admit: 80_000n,
};

const figures: { operation: string; gas: bigint; budget?: bigint }[] = [];
function record(operation: string, gas: bigint, budget?: bigint) {
  figures.push({ operation, gas, budget });
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

/** A distinct address for filler contributor `i`. */
function filler(i: number): string {
  return ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0xf000 + i), 20));
}

/** Registers `count` one-contributor artifacts named `${prefix}/${i}` through the registry's multicall. */
async function registerMany(
  registry: KnowledgeRegistry,
  owner: Awaited<ReturnType<typeof ethers.getSigners>>[number],
  prefix: string,
  count: number,
  contributor: string,
): Promise<string[]> {
  const digests: string[] = [];
  const chunk = 100;
  for (let start = 0; start < count; start += chunk) {
    const calls: string[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const reg = await registrationOf({ name: `${prefix}/${i}`, contributors: [[contributor, 1]] });
      digests.push(reg.digest);
      calls.push(registry.interface.encodeFunctionData("register", [reg]));
    }
    await registry.connect(owner).multicall(calls);
  }
  return digests;
}

/**
 * Pool 1 streams 1,000,000 tokens over 1,000,000 s; every measurement runs mid-stream. Alice is the only
 * contributor of P, Y, X0..X9, K1, K2 and holds the last slot (63) of the 64-contributor Q64. She claimed
 * everything but Y once, so her claims below are repeat claims to a recipient that holds the token.
 */
async function gasFixture() {
  const [deployer, curator, funder, alice, bob, newcomer] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(funder.address);
  await token.connect(funder).approve(pools, ethers.MaxUint256);

  const one = (name: string) => registerArtifact(registry, deployer, { name, contributors: [[alice, 1]] });
  const artP = await one("gas/P");
  const artY = await one("gas/Y");
  const artN = await one("gas/N (never admitted)");
  const xs: string[] = [];
  for (let i = 0; i < 10; i++) xs.push(await one(`gas/X${i}`));
  const contributors64: [string, number][] = Array.from({ length: 63 }, (_, i) => [filler(i), 1]);
  contributors64.push([alice.address, 1]);
  const artQ64 = await registerArtifact(registry, deployer, {
    name: "gas/Q64",
    contributors: contributors64,
  });
  const root1 = await registerArtifact(registry, deployer, { name: "gas/R1", contributors: [[bob, 1]] });
  const root2 = await registerArtifact(registry, deployer, { name: "gas/R2", contributors: [[bob, 1]] });
  const artK1 = await registerArtifact(registry, deployer, {
    name: "gas/K1",
    contributors: [[alice, 1]],
    parents: [root1],
    upstreamBps: 2000,
  });
  const artK2 = await registerArtifact(registry, deployer, {
    name: "gas/K2",
    contributors: [[alice, 1]],
    parents: [root1, root2],
    upstreamBps: 2000,
  });

  const poolId = await createPool(pools, curator, token, curator);
  for (const artifact of [artP, artY, ...xs, artQ64, root1, root2, artK1, artK2]) {
    await pools.connect(curator).admit(poolId, artifact, 1);
  }
  await pools.connect(funder).fundStream(poolId, tokens(1_000_000), 1_000_000);
  await time.increase(100);
  const claimedBefore = [
    target(artP, 0),
    ...xs.map((x) => target(x, 0)),
    target(artQ64, 63),
    target(artK1, 0),
    target(artK2, 0),
  ];
  await pools.connect(alice).claim(poolId, claimedBefore, alice);
  await time.increase(100);
  return {
    registry,
    pools,
    token,
    deployer,
    curator,
    funder,
    alice,
    newcomer,
    poolId,
    artP,
    artY,
    artN,
    xs,
    artQ64,
    artK1,
    artK2,
  };
}

describe("RewardPools", function () {
  describe("gas", function () {
    before(function () {
      // Instrumented bytecode costs more gas: budgets only mean something on the real build.
      if (process.env.SOLIDITY_COVERAGE) this.skip();
    });

    after(function () {
      const lines = figures.map(
        ({ operation, gas, budget }) =>
          `      ${operation.padEnd(48)}${gas.toLocaleString("en-US").padStart(9)}` +
          (budget === undefined ? "" : `  ≤ ${budget.toLocaleString("en-US")}`),
      );
      console.log(
        ["", "    RewardPools gas (whole-transaction gasUsed, mid-stream, CommunityToken)", ...lines].join(
          "\n",
        ),
      );
    });

    it("repeat claim of 1 artifact to a recipient holding the token ≤ 65,000", async function () {
      const { pools, alice, poolId, artP } = await loadFixture(gasFixture);
      const gas = await gasOf(pools.connect(alice).claim(poolId, [target(artP, 0)], alice));
      record("claim: repeat, 1 artifact", gas, BUDGET.repeatClaim);
      expect(gas).to.be.lte(BUDGET.repeatClaim);
    });

    it("first claim of 1 artifact to a recipient holding none ≤ 100,000", async function () {
      const { pools, token, alice, newcomer, poolId, artY } = await loadFixture(gasFixture);
      expect(await token.balanceOf(newcomer)).to.equal(0n);
      expect(await pools.claimed(poolId, artY, 0)).to.equal(0n);
      const gas = await gasOf(pools.connect(alice).claim(poolId, [target(artY, 0)], newcomer));
      record("claim: first, 1 artifact, empty recipient", gas, BUDGET.firstClaim);
      expect(gas).to.be.lte(BUDGET.firstClaim);
    });

    it("each extra previously claimed artifact in the same call ≤ 25,000", async function () {
      const { pools, alice, poolId, xs } = await loadFixture(gasFixture);
      const one = await gasOf(pools.connect(alice).claim(poolId, [target(xs[0], 0)], alice));
      await time.increase(100);
      const ten = await gasOf(
        pools.connect(alice).claim(
          poolId,
          xs.map((x) => target(x, 0)),
          alice,
        ),
      );
      const perExtra = (ten - one) / 9n;
      record("claim: repeat, 10 artifacts", ten);
      record("claim: each extra artifact ((10 − 1) / 9)", perExtra, BUDGET.extraArtifact);
      expect(perExtra).to.be.lte(BUDGET.extraArtifact);
    });

    it("fund ≤ 65,000, fundStream ≤ 80,000, admit ≤ 80,000", async function () {
      const { pools, curator, funder, poolId, artN } = await loadFixture(gasFixture);
      const fund = await gasOf(pools.connect(funder).fund(poolId, tokens(1000)));
      record("fund", fund, BUDGET.fund);
      await time.increase(100);
      // A valid top-up of the running stream (1 token per second until its end): a later end, and more than
      // the 1 token per second of delay that keeps the rate (the stream started well under 10,000 s ago).
      const running = await pools.pool(poolId);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      expect(running.streamRemaining).to.be.gt(0n);
      expect(running.streamEnd).to.be.gt(now);
      const topUp = pools.connect(funder).fundStream(poolId, tokens(10_000), 1_000_000);
      const stream = await gasOf(topUp);
      const after = await pools.pool(poolId);
      expect(after.streamEnd).to.equal(now + 1_000_000n);
      expect(after.streamRatePerSecond).to.be.gte(tokens(1));
      record("fundStream (tops up a running stream)", stream, BUDGET.fundStream);
      await time.increase(100);
      const admit = await gasOf(pools.connect(curator).admit(poolId, artN, 1));
      record("admit", admit, BUDGET.admit);
      expect(fund).to.be.lte(BUDGET.fund);
      expect(stream).to.be.lte(BUDGET.fundStream);
      expect(admit).to.be.lte(BUDGET.admit);
    });

    it("states the extra cost per parent when a claim settles upstream flow", async function () {
      const { pools, alice, poolId, artP, artK1, artK2 } = await loadFixture(gasFixture);
      const none = await gasOf(pools.connect(alice).claim(poolId, [target(artP, 0)], alice));
      await time.increase(100);
      const k1 = await gasOf(pools.connect(alice).claim(poolId, [target(artK1, 0)], alice));
      await time.increase(100);
      const k2 = await gasOf(pools.connect(alice).claim(poolId, [target(artK2, 0)], alice));
      record("claim: repeat, artifact with 1 parent", k1);
      record("claim: repeat, artifact with 2 parents", k2);
      record("claim: settle overhead with 1 parent (K1 − P)", k1 - none);
      record("claim: each further parent (K2 − K1)", k2 - k1);
      expect(k2).to.be.gt(k1);
      expect(k1).to.be.gt(none);
    });

    it("claims from an artifact of 1 and of 64 contributors (slot 63) cost the same within 1 %", async function () {
      const { pools, alice, poolId, artP, artQ64 } = await loadFixture(gasFixture);
      const single = await gasOf(pools.connect(alice).claim(poolId, [target(artP, 0)], alice));
      await time.increase(100);
      const wide = await gasOf(pools.connect(alice).claim(poolId, [target(artQ64, 63)], alice));
      record("claim: repeat, 1 of 1 contributors", single);
      record("claim: repeat, slot 63 of 64 contributors", wide);
      const diff = wide > single ? wide - single : single - wide;
      expect(diff * 100n).to.be.lte(single);
    });

    it("fund and repeat claim cost the same within 1 % in pools of 1, 100 and 1,000 artifacts", async function () {
      this.timeout(600_000);
      const { registry, pools, token, deployer, curator, funder, alice } = await loadFixture(gasFixture);
      const probe = await registerArtifact(registry, deployer, {
        name: "gas/scale/probe",
        contributors: [[alice, 1]],
      });
      const poolId = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(poolId, probe, 1);
      await pools.connect(funder).fundStream(poolId, tokens(1_000_000), 1_000_000);
      await time.increase(100);
      await pools.connect(alice).claim(poolId, [target(probe, 0)], alice);
      const others = await registerMany(registry, deployer, "gas/scale", 999, deployer.address);

      const sizes = [1, 100, 1000];
      const fundGas: bigint[] = [];
      const claimGas: bigint[] = [];
      let admitted = 1;
      for (const size of sizes) {
        // Grow the pool to `size` members: admissions sent together, mined one per block (automine).
        const batch = others.slice(admitted - 1, size - 1);
        await Promise.all(
          batch.map((artifact) => pools.connect(curator).admit(poolId, artifact, 1, { gasLimit: 200_000 })),
        );
        admitted = size;
        expect((await pools.pool(poolId)).totalWeight).to.equal(BigInt(size));
        await time.increase(100);
        fundGas.push(await gasOf(pools.connect(funder).fund(poolId, tokens(1000))));
        await time.increase(100);
        claimGas.push(await gasOf(pools.connect(alice).claim(poolId, [target(probe, 0)], alice)));
      }
      sizes.forEach((size, i) => {
        record(`fund, pool of ${size}`, fundGas[i]);
        record(`claim: repeat, pool of ${size}`, claimGas[i]);
      });
      for (const series of [fundGas, claimGas]) {
        const min = series.reduce((a, b) => (a < b ? a : b));
        const max = series.reduce((a, b) => (a > b ? a : b));
        expect((max - min) * 100n).to.be.lte(min);
      }
    });
  });
});
