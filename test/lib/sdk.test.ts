import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

import { expect } from "chai";

import { CONTRACT_ABIS, abiConstName, artifactAbi, dependencyErrors } from "../../scripts/abi";
import * as abi from "../../src/abi";
import { KcError } from "../../src/errors";
import { TX_GAS_CAP, isGasLimitError, planSplit, splitToFit } from "../../src/tx";

const SRC = join(__dirname, "..", "..", "src");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("SDK (src/)", function () {
  describe("imports", function () {
    it("no file under src/ imports Hardhat or a Hardhat plugin", function () {
      const offenders = filesUnder(SRC).filter((file) =>
        /(from\s+|require\(|import\()\s*["'](hardhat|@nomicfoundation\/)/.test(readFileSync(file, "utf8")),
      );
      expect(offenders.map((f) => relative(SRC, f))).to.deep.equal([]);
    });
  });

  describe("abi", function () {
    for (const { name, source } of CONTRACT_ABIS) {
      it(`src/abi/${name}.ts equals the compiled artifact (run npm run abi after a contract change)`, function () {
        const generated = (abi as Record<string, unknown>)[abiConstName(name)];
        expect(JSON.parse(JSON.stringify(generated))).to.deep.equal(artifactAbi(source, name));
      });
    }

    it("src/abi/dependencyErrors.ts equals the errors of the compiled OpenZeppelin dependencies", function () {
      const errors = dependencyErrors();
      expect(errors.length).to.be.greaterThan(10);
      expect(JSON.parse(JSON.stringify(abi.dependencyErrorsAbi))).to.deep.equal(errors);
    });
  });

  describe("splitToFit", function () {
    // A transaction of n items costs 50k + 100k per item, like a batch of claims.
    const cost = (items: unknown[]) => 50_000n + 100_000n * BigInt(items.length);
    const items = Array.from({ length: 200 }, (_, i) => i);

    it("keeps work that fits in one chunk, with one estimate", async function () {
      let calls = 0;
      const split = await splitToFit(items.slice(0, 10), async (c) => (calls++, cost(c)));
      expect(split.chunks.map((c) => c.items.length)).to.deep.equal([10]);
      expect(split.chunks[0].gas).to.equal(1_050_000n);
      expect(calls).to.equal(1);
    });

    it("splits work over the cap into contiguous chunks under 90 % of it, in order", async function () {
      let calls = 0;
      const split = await splitToFit(items, async (c) => (calls++, cost(c)));
      // 20,050,000 gas > 15,099,494 (90 % of 2^24): two chunks of 100.
      expect(split.chunks.map((c) => c.items.length)).to.deep.equal([100, 100]);
      expect(split.chunks.flatMap((c) => c.items)).to.deep.equal(items);
      expect(split.chunks.map((c) => c.gas)).to.deep.equal([10_050_000n, 10_050_000n]);
      expect(calls).to.equal(3);
    });

    it("honours a smaller maxPerTx", async function () {
      const split = await splitToFit(items, async (c) => cost(c), { maxPerTx: 3_000_000n });
      // Budget 2,700,000: at most 26 items per chunk.
      expect(split.chunks.every((c) => c.gas <= 2_700_000n)).to.equal(true);
      expect(split.chunks.flatMap((c) => c.items)).to.deep.equal(items);
      expect(split.chunks.length).to.equal(8);
    });

    it("halves a chunk whose estimate fails for gas, and keeps the order", async function () {
      const estimate = async (c: number[]) => {
        if (cost(c) > TX_GAS_CAP) throw new Error("transaction gas limit (20050000) is greater than the cap");
        return cost(c);
      };
      const split = await splitToFit(items, estimate);
      expect(split.chunks.map((c) => c.items.length)).to.deep.equal([100, 100]);
    });

    it("rethrows a revert at once instead of splitting", async function () {
      let calls = 0;
      const revert = Object.assign(new Error("execution reverted"), { data: "0x12345678" });
      const estimate = async () => {
        calls++;
        throw revert;
      };
      let caught: unknown;
      await splitToFit(items, estimate).catch((e) => (caught = e));
      expect(caught).to.equal(revert);
      expect(calls).to.equal(1);
      expect(isGasLimitError(revert)).to.equal(false);
    });

    it("fails in one line when a single item does not fit", async function () {
      let caught: unknown;
      await splitToFit([1], async () => 20_000_000n).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(KcError);
      expect((caught as Error).message).to.equal(
        "one item needs 20000000 gas, more than one transaction may use (15099494 of 16777216)",
      );
    });
  });

  describe("planSplit", function () {
    it("labels each chunk and says in the notes that the work was split", async function () {
      const signer = {
        getAddress: async () => "0x0000000000000000000000000000000000000001",
        estimateGas: async (tx: { data: string }) => 50_000n + 100_000n * BigInt((tx.data.length - 2) / 2),
      };
      const plan = await planSplit(
        signer as never,
        Array.from({ length: 200 }, (_, i) => i),
        (chunk) => ({
          to: "0x0000000000000000000000000000000000000002",
          data: `0x${"00".repeat(chunk.length)}`,
        }),
        (chunk, from) => `items ${from + 1}–${from + chunk.length}`,
        "200 items",
      );
      expect(plan.steps.map((s) => s.label)).to.deep.equal(["items 1–100", "items 101–200"]);
      expect(plan.notes).to.deep.equal([
        "split into 2 transactions: 200 items need more gas than one transaction may use (16777216); " +
          "each is simulated before any is sent",
      ]);
    });
  });
});
