import { expect } from "chai";
import { Interface, ZeroAddress } from "ethers";

import {
  maxPerTxFrom,
  paidByStep,
  progressText,
  recipientFrom,
  registryIndexFrom,
  sourceTotals,
  stepOfProgress,
} from "../../app/src/claimPlan";
import { rewardPoolsAbi } from "../../src/abi";
import { TX_GAS_CAP } from "../../src/tx";

/** The app's pure claim helpers (app/src/claimPlan.ts): no browser, no chain. */
const d = (n: number) => "0x" + n.toString(16).padStart(64, "0");

describe("app claims helpers", function () {
  it("registryIndexFrom: descendants latest first, children, parents, case-insensitive", function () {
    // 1 ← 2 ← 4, 1 ← 3, 5 unrelated; 4 also has parent 3.
    const index = registryIndexFrom([
      { digest: d(1), parents: [] },
      { digest: d(2), parents: [d(1)] },
      { digest: d(3).toUpperCase().replace("0X", "0x"), parents: [d(1)] },
      { digest: d(4), parents: [d(2), d(3)] },
      { digest: d(5), parents: [] },
    ]);
    expect(index.descendants([d(1)])).to.deep.equal([d(4), d(3), d(2)]);
    expect(index.descendants([d(3)])).to.deep.equal([d(4)]);
    expect(index.descendants([d(4), d(5)])).to.deep.equal([]);
    expect(index.children(d(1))).to.deep.equal([d(2), d(3)]);
    expect(index.artifacts.get(d(4))?.parents).to.deep.equal([d(2), d(3)]);
    expect(() => index.artifactsOf(ZeroAddress)).to.throw("lineage only");
  });

  it("paidByStep: reads each claim's amount from a multicall's return data, skipping settles", function () {
    const pools = new Interface(rewardPoolsAbi);
    const claim1 = pools.encodeFunctionData("claim", [1n, [{ artifact: d(1), slot: 0n }], ZeroAddress]);
    const settle2 = pools.encodeFunctionData("settle", [2n, [d(2)], 1]);
    const claim2 = pools.encodeFunctionData("claim", [2n, [{ artifact: d(1), slot: 0n }], ZeroAddress]);
    const data = pools.encodeFunctionData("multicall", [[claim1, settle2, claim2]]);
    const results = [
      pools.encodeFunctionResult("claim", [1234n]),
      pools.encodeFunctionResult("settle", []),
      pools.encodeFunctionResult("claim", [5n]),
    ];
    const ret = pools.encodeFunctionResult("multicall", [results]);
    expect(paidByStep(data, ret)).to.deep.equal([
      { poolId: 1n, amount: 1234n },
      { poolId: 2n, amount: 5n },
    ]);
  });

  it("maxPerTxFrom: ?maxPerTx= or EIP-7825's cap; anything else is an error", function () {
    expect(maxPerTxFrom("")).to.equal(TX_GAS_CAP);
    expect(maxPerTxFrom("?x=1")).to.equal(TX_GAS_CAP);
    expect(maxPerTxFrom("?maxPerTx=300000")).to.equal(300_000n);
    expect(() => maxPerTxFrom("?maxPerTx=3e5")).to.throw(
      "?maxPerTx= must be a positive whole number of gas: 3e5",
    );
    expect(() => maxPerTxFrom("?maxPerTx=0")).to.throw("positive whole number");
  });

  it("progress lines: sendPlan's step message becomes 'transaction i of n'", function () {
    expect(stepOfProgress("sending step 2/3 (claim from pool #1, targets 2–2 of 3)")).to.deep.equal({
      i: 1,
      n: 3,
      label: "claim from pool #1, targets 2–2 of 3",
    });
    expect(stepOfProgress("split into 2 transactions: …")).to.equal(undefined);
    expect(progressText(1, 3, "claim from pool #2", "5.0 COMM")).to.equal(
      "transaction 2 of 3 (claim from pool #2), pays 5.0 COMM: confirm in your wallet…",
    );
    expect(progressText(0, 1, "x")).to.equal("transaction 1 of 1 (x): confirm in your wallet…");
  });

  it("sourceTotals: claimable per token split into direct and from derivatives", function () {
    const t = sourceTotals([
      { token: "0xA", claimable: "100", fromDerivatives: "30" },
      { token: "0xA", claimable: "50" },
      { token: "0xB", claimable: "7", fromDerivatives: "7" },
    ]);
    expect([...t]).to.deep.equal([
      ["0xA", { direct: 120n, fromDerivatives: 30n }],
      ["0xB", { direct: 0n, fromDerivatives: 7n }],
    ]);
  });

  it("recipientFrom: a checked, non-zero address", function () {
    const a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(recipientFrom(` ${a.toLowerCase()} `)).to.equal(a);
    expect(() => recipientFrom(ZeroAddress)).to.throw("the recipient must not be the zero address");
    expect(() => recipientFrom(a.replace("C8", "c8"))).to.throw("the recipient has a bad checksum");
    expect(() => recipientFrom(a.slice(2))).to.throw("the recipient is not an address");
  });
});
