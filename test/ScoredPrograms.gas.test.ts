import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import hre from "hardhat";

import { measureEpochGas, type EpochGas } from "../bench/epochsGasLib";

/** Budgets of bench/epochs-budgets.json, the committed snapshot, and that claims grow only with log2(leaves). */
describe("ScoredPrograms (gas)", function () {
  let gas: EpochGas;
  const budgets = JSON.parse(readFileSync(join(__dirname, "..", "bench", "epochs-budgets.json"), "utf8"));
  const snapshot = JSON.parse(
    readFileSync(join(__dirname, "..", "bench", "epochs-gas-snapshot.json"), "utf8"),
  );

  before(async function () {
    if (process.env.SOLIDITY_COVERAGE) this.skip();
    gas = await measureEpochGas(hre);
  });

  for (const b of budgets.budgets as { operation: string; max: number }[]) {
    it(`${b.operation} costs at most ${b.max}`, function () {
      expect(gas[b.operation], b.operation).to.be.at.most(b.max);
    });
  }

  it("matches the committed snapshot within the tolerance", function () {
    for (const [op, value] of Object.entries(snapshot as Record<string, number>)) {
      expect(gas[op], op).to.be.at.most(Math.ceil(value * (1 + budgets.snapshotTolerancePct / 100)));
    }
  });

  it("claim cost grows only with the proof length (log2 of the leaves)", function () {
    const perLevelA = (gas["claim.repeat.depth10"] - gas["claim.repeat.depth4"]) / 6;
    const perLevelB = (gas["claim.repeat.depth20"] - gas["claim.repeat.depth10"]) / 10;
    // 32 bytes of calldata (512 gas) plus one hash per level.
    for (const perLevel of [perLevelA, perLevelB]) expect(perLevel).to.be.within(550, 800);
    expect(Math.abs(perLevelA - perLevelB)).to.be.below(60);
  });
});
