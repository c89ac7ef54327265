import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers, ignition } from "hardhat";
import { HardhatError } from "hardhat/internal/core/errors";
import { ERRORS } from "hardhat/internal/core/errors-list";

import CommunityTokenModule from "../../ignition/modules/CommunityToken";
import KnowledgeCommonsModule from "../../ignition/modules/KnowledgeCommons";
import {
  decodeRevertData,
  describeError,
  errorInterface,
  findRevertData,
  isExpectedError,
} from "../../src/decodeError";
import { KcError } from "../../src/errors";
import { COMMIT_REVEAL_OFF } from "../helpers/registry";
import type { CommunityToken, KnowledgeRegistry, RewardPools } from "../../typechain-types";

const DIGEST = ethers.sha256(ethers.toUtf8Bytes("decodeError"));

async function deployedSuiteFixture() {
  const [owner] = await ethers.getSigners();
  const { registry, pools } = await ignition.deploy(KnowledgeCommonsModule, {
    parameters: COMMIT_REVEAL_OFF,
  });
  const { token } = await ignition.deploy(CommunityTokenModule);
  const reg = registry as unknown as KnowledgeRegistry;
  await reg.register({
    digest: DIGEST,
    kind: 0,
    scheme: 0,
    uri: "",
    contributors: [{ account: owner.address, share: 1 }],
    parents: [],
    upstreamBps: 0,
    minUpstreamBps: 0,
    secret: ethers.ZeroHash,
  });
  return {
    owner,
    registry: reg,
    pools: pools as unknown as RewardPools,
    token: token as unknown as CommunityToken,
  };
}

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a revert");
}

describe("decodeError", function () {
  describe("describeError", function () {
    it("names a registry error with its arguments and a hint", async function () {
      const { owner, registry } = await loadFixture(deployedSuiteFixture);
      const err = await caught(() =>
        registry.register.staticCall({
          digest: DIGEST,
          kind: 0,
          scheme: 0,
          uri: "",
          contributors: [{ account: owner.address, share: 1 }],
          parents: [],
          upstreamBps: 0,
          minUpstreamBps: 0,
          secret: ethers.ZeroHash,
        }),
      );
      expect(describeError(err, errorInterface())).to.equal(
        `reverted: ArtifactExists(digest=${DIGEST}, owner=${owner.address}) — ` +
          `this content is already registered by ${owner.address}; see kc show ${DIGEST}`,
      );
      expect(isExpectedError(err)).to.equal(true);
    });

    it("names a pools error", async function () {
      const { pools } = await loadFixture(deployedSuiteFixture);
      const err = await caught(() => pools.fund.staticCall(7, 1));
      expect(describeError(err, errorInterface())).to.match(
        /^reverted: UnknownPool\(poolId=7\) — no pool has this id/,
      );
    });

    it("names a token error bubbled up through the pools", async function () {
      const { pools, token } = await loadFixture(deployedSuiteFixture);
      await pools.createPool(await token.getAddress(), (await ethers.getSigners())[0].address, 0);
      const err = await caught(() => pools.fund.staticCall(1, 5));
      expect(describeError(err, errorInterface())).to.equal(
        `reverted: ERC20InsufficientAllowance(spender=${await pools.getAddress()}, allowance=0, needed=5) — ` +
          "allowance is 0 base units, needs 5; approve first",
      );
    });

    it("keeps a KcError's message and reduces Hardhat errors to one line", function () {
      expect(describeError(new KcError("bad share: x"))).to.equal("bad share: x");
      const hh = new HardhatError(ERRORS.NETWORK.NODE_IS_NOT_RUNNING, { network: "localhost" });
      const line = describeError(hh);
      expect(line).to.match(/^HH108: Cannot connect to the network localhost\. Please make sure/);
      expect(line).not.to.include("\n");
    });

    it("reports revert data it cannot decode by its selector", function () {
      const data = "0xdeadbeef" + "00".repeat(32);
      expect(describeError({ code: "CALL_EXCEPTION", data }, errorInterface())).to.equal(
        `reverted with unknown error 0xdeadbeef (data ${data})`,
      );
    });
  });

  describe("decodeRevertData", function () {
    it("decodes Error(string) and Panic(uint256)", function () {
      const iface = errorInterface();
      const reason = ethers.Interface.from(["error Error(string)"]).encodeErrorResult("Error", ["nope"]);
      expect(decodeRevertData(reason, iface)?.text).to.equal('Error("nope")');
      const panic = ethers.Interface.from(["error Panic(uint256)"]).encodeErrorResult("Panic", [0x11]);
      expect(decodeRevertData(panic, iface)).to.include({
        text: "Panic(0x11)",
        hint: "arithmetic overflow or underflow",
      });
    });
  });

  describe("hints", function () {
    it("tells a pool's NothingToClaim from a program's, whose proof is all claimed", function () {
      const iface = errorInterface();
      const pools = ethers.Interface.from(["error NothingToClaim(uint256 poolId, address account)"]);
      const programs = ethers.Interface.from([
        "error NothingToClaim(uint256 programId, address account, uint256 cumulativeAmount, uint256 claimed)",
      ]);
      const who = "0x00000000000000000000000000000000000000a1";
      expect(decodeRevertData(pools.encodeErrorResult("NothingToClaim", [3, who]), iface)?.hint).to.equal(
        "nothing has accrued for these artifacts yet",
      );
      expect(
        decodeRevertData(programs.encodeErrorResult("NothingToClaim", [3, who, 500, 500]), iface)?.hint,
      ).to.equal("the proof's cumulative amount 500 is all claimed already (500 base units)");
    });
  });

  describe("findRevertData", function () {
    it("finds data nested the way JSON-RPC providers wrap it", function () {
      const data = "0x12345678";
      expect(findRevertData({ info: { error: { data: { data } } } })).to.equal(data);
      expect(findRevertData({ message: "no data here" })).to.equal(undefined);
    });
  });
});
