import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { benchPools } from "../bench/gas";
import { type GasResults, evaluateBudget, fmt, readBudgets, readSnapshot } from "../bench/lib";
import { deploySuite } from "./helpers/pools";

/**
 * The RewardPools half of `npm run bench`, run by the same code (`benchPools` in bench/gas.ts) and held to the
 * same budgets (bench/budgets.json): one home for the numbers.
 */
async function gasFixture() {
  const [deployer, curator, alice, bob] = await ethers.getSigners();
  const { registry, pools, token } = await deploySuite(deployer.address);
  await token.connect(deployer).approve(pools, 10n ** 11n * 10n ** 18n);
  const results: GasResults = {};
  const grief = await benchPools(results, { deployer, curator, alice, bob, token, registry, pools });
  return { results, grief };
}

const POOL_OPERATIONS = /^(pool|streams|ends|scale)\./;

describe("RewardPools", function () {
  describe("gas (bench/budgets.json, measured by bench/gas.ts)", function () {
    before(function () {
      // Instrumented bytecode costs more gas: budgets only mean something on the real build.
      if (process.env.SOLIDITY_COVERAGE) this.skip();
    });

    const budgets = readBudgets().budgets.filter((b) => POOL_OPERATIONS.test(b.operation));

    it("covers the issue 9 budgets", function () {
      const operations = budgets.map((b) => b.operation);
      for (const required of [
        "pool.fund",
        "pool.fundStream.append",
        "pool.fundStream.append.cancelable",
        "pool.fundStream.insert",
        "pool.fundStream.insert.cancelable",
        "pool.cancelStream",
        "pool.curation.execute",
        "pool.claim.repeat.holder",
        "streams.claim.streams10",
        "streams.claim.streams100",
        "scale.claim.pool100",
        "scale.claim.pool1000",
        "ends.claim.1end",
        "ends.claim.2ends",
        "ends.claim.after",
      ]) {
        expect(operations, required).to.include(required);
      }
    });

    for (const budget of budgets) {
      const title = budget.missed
        ? `${budget.operation} stays within the snapshot (${budget.source} budget missed knowingly, see budgets.json)`
        : `${budget.operation} (${budget.source})`;
      it(title, async function () {
        this.timeout(900_000);
        const { results } = await loadFixture(gasFixture);
        const verdict = evaluateBudget(budget, results);
        expect(verdict.gas, `${budget.operation} measured`).to.not.equal(undefined);
        if (budget.missed) {
          // Held to the committed figure instead, so it cannot silently grow further.
          const snapshot = readSnapshot()![budget.operation];
          const tolerance = readBudgets().snapshotTolerancePct;
          expect(verdict.gas!, `${budget.operation} vs snapshot ${fmt(snapshot)}`).to.be.lte(
            Math.floor(snapshot * (1 + tolerance / 100)),
          );
          return;
        }
        expect(verdict.ok, `${budget.operation}: ${fmt(verdict.gas ?? 0)} ${verdict.detail ?? verdict.limit}`)
          .to.be.true;
      });
    }

    it("a griefer's 33 due ends: a new stream waits, the next claim processes 32, then streams go on", async function () {
      this.timeout(900_000);
      const { results, grief } = await loadFixture(gasFixture);
      expect(grief.fundStreamBlocked).to.equal(true);
      expect(grief.unblockedByClaim).to.equal(true);
      const perEnd = (results["ends.claim.32ends"] - results["ends.claim.none"]) / 32;
      console.log(
        `      griefer paid ${fmt(grief.griefTotal)} gas for ${grief.streams} dust streams; the next claim ` +
          `${fmt(results["ends.claim.32ends"])} (${fmt(Math.round(perEnd))} per end processed)`,
      );
      // Each dust stream costs its creator more than it costs the caller who processes its end.
      expect(grief.griefTotal / grief.streams).to.be.gt(perEnd);
    });
  });
});
