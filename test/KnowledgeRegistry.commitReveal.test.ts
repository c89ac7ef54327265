import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";

import KnowledgeRegistryModule, {
  DEFAULT_MAX_COMMIT_AGE,
  DEFAULT_MIN_COMMIT_AGE,
} from "../ignition/modules/KnowledgeRegistry";
import { commitmentOf, deployRegistry, digestOf, registeredArgs, registration } from "./helpers/registry";
import type { KnowledgeRegistry } from "../typechain-types";

const MIN_AGE = 60n;
const MAX_AGE = 3600n;

async function commitRevealFixture() {
  const [alice, bob, mallory] = await ethers.getSigners();
  const registry = await deployRegistry({ minCommitAge: MIN_AGE, maxCommitAge: MAX_AGE });
  const openRegistry = await deployRegistry();
  // What a deployment without a parameters file gets (deployRegistry turns commit-reveal off for other suites).
  const defaultRegistry = (await ignition.deploy(KnowledgeRegistryModule))
    .registry as unknown as KnowledgeRegistry;
  const reg = registration({
    digest: digestOf("secret dataset"),
    contributors: [{ account: alice.address, share: 1 }],
    secret: ethers.id("alice's secret"),
  });
  const commitment = commitmentOf(reg.digest, alice.address, reg.secret);
  return { registry, openRegistry, defaultRegistry, alice, bob, mallory, reg, commitment };
}

/** Timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

describe("KnowledgeRegistry", function () {
  describe("constructor", function () {
    it("reverts when maxCommitAge does not exceed a non-zero minCommitAge", async function () {
      const factory = await ethers.getContractFactory("KnowledgeRegistry");
      await expect(factory.deploy(60, 60, ""))
        .to.be.revertedWithCustomError(factory, "InvalidCommitWindow")
        .withArgs(60, 60);
      await expect(factory.deploy(60, 59, ""))
        .to.be.revertedWithCustomError(factory, "InvalidCommitWindow")
        .withArgs(60, 59);
    });

    it("reverts when commit-reveal is on and maxCommitAge exceeds 365 days, and accepts exactly 365 days", async function () {
      const factory = await ethers.getContractFactory("KnowledgeRegistry");
      const year = 365n * 24n * 3600n;
      await expect(factory.deploy(60, year + 1n, ""))
        .to.be.revertedWithCustomError(factory, "InvalidCommitWindow")
        .withArgs(60, year + 1n);
      await expect(factory.deploy(60, ethers.MaxUint256, ""))
        .to.be.revertedWithCustomError(factory, "InvalidCommitWindow")
        .withArgs(60, ethers.MaxUint256);
      const longest = await factory.deploy(60, year, "");
      expect(await longest.maxCommitAge()).to.equal(year);
      // The bound only matters when commit-reveal is on.
      const off = await factory.deploy(0, year + 1n, "");
      expect(await off.maxCommitAge()).to.equal(year + 1n);
    });

    it("accepts any maxCommitAge when commit-reveal is off, and the smallest valid window", async function () {
      const factory = await ethers.getContractFactory("KnowledgeRegistry");
      const off = await factory.deploy(0, 0, "");
      expect(await off.minCommitAge()).to.equal(0n);
      const tight = await factory.deploy(60, 61, "");
      expect(await tight.maxCommitAge()).to.equal(61n);
    });

    it("reads the window from the Ignition parameters", async function () {
      const { registry, openRegistry } = await loadFixture(commitRevealFixture);
      expect(await registry.minCommitAge()).to.equal(MIN_AGE);
      expect(await registry.maxCommitAge()).to.equal(MAX_AGE);
      expect(await openRegistry.minCommitAge()).to.equal(0n);
    });

    it("defaults to commit-reveal on, 60 s to one day, when the Ignition module gets no parameters", async function () {
      const { defaultRegistry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      expect(await defaultRegistry.minCommitAge()).to.equal(60n);
      expect(await defaultRegistry.maxCommitAge()).to.equal(86_400n);
      expect([DEFAULT_MIN_COMMIT_AGE, DEFAULT_MAX_COMMIT_AGE]).to.deep.equal([60n, 86_400n]);
      await expect(defaultRegistry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(defaultRegistry, "CommitmentNotFound")
        .withArgs(commitment);
    });
  });

  describe("commitmentFor", function () {
    it("equals keccak256(abi.encode(digest, registrant, secret)) computed off-chain", async function () {
      const { registry, alice, bob, reg, commitment } = await loadFixture(commitRevealFixture);
      expect(await registry.commitmentFor(reg.digest, alice.address, reg.secret)).to.equal(commitment);
      expect(await registry.commitmentFor(reg.digest, bob.address, reg.secret)).to.equal(
        commitmentOf(reg.digest, bob.address, reg.secret),
      );
      expect(commitmentOf(reg.digest, bob.address, reg.secret)).to.not.equal(commitment);
    });
  });

  describe("commit", function () {
    it("records the commitment and emits Committed", async function () {
      const { registry, bob, commitment } = await loadFixture(commitRevealFixture);
      const tx = registry.connect(bob).commit(commitment);
      await expect(tx).to.emit(registry, "Committed").withArgs(commitment, bob.address);
      expect(await registry.commitments(commitment)).to.equal(await minedAt(tx));
    });

    it("reverts when an unexpired commitment would be overwritten", async function () {
      const { registry, alice, mallory, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await expect(registry.connect(mallory).commit(commitment))
        .to.be.revertedWithCustomError(registry, "CommitmentPending")
        .withArgs(commitment, t0 + MAX_AGE);
      await time.setNextBlockTimestamp(t0 + MAX_AGE);
      await expect(registry.connect(mallory).commit(commitment))
        .to.be.revertedWithCustomError(registry, "CommitmentPending")
        .withArgs(commitment, t0 + MAX_AGE);
      expect(await registry.commitments(commitment)).to.equal(t0);
    });

    it("refreshes an expired commitment, which then ages from the refresh", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MAX_AGE + 1n);
      const tx = registry.connect(alice).commit(commitment);
      await expect(tx).to.emit(registry, "Committed").withArgs(commitment, alice.address);
      const t1 = await minedAt(tx);
      expect(t1).to.equal(t0 + MAX_AGE + 1n);
      expect(await registry.commitments(commitment)).to.equal(t1);

      await time.setNextBlockTimestamp(t1 + MIN_AGE - 1n);
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentTooNew")
        .withArgs(commitment, t1 + MIN_AGE);
      await time.setNextBlockTimestamp(t1 + MIN_AGE);
      await expect(registry.connect(alice).register(reg))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address, commitment));
    });

    it("reverts when the commitment was already used", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await registry.connect(alice).register(reg);
      expect(await registry.commitments(commitment)).to.equal(ethers.MaxUint256);
      await expect(registry.connect(alice).commit(commitment))
        .to.be.revertedWithCustomError(registry, "CommitmentUsed")
        .withArgs(commitment);
      // Even long after, when an unused commitment would have expired and become refreshable.
      await time.increase(MAX_AGE * 2n);
      await expect(registry.connect(alice).commit(commitment))
        .to.be.revertedWithCustomError(registry, "CommitmentUsed")
        .withArgs(commitment);
    });

    it("reverts when the deployment has commit-reveal off", async function () {
      const { openRegistry, alice, commitment } = await loadFixture(commitRevealFixture);
      await expect(openRegistry.connect(alice).commit(commitment)).to.be.revertedWithCustomError(
        openRegistry,
        "CommitRevealDisabled",
      );
      expect(await openRegistry.commitments(commitment)).to.equal(0n);
    });
  });

  describe("register", function () {
    it("reverts when there is no commitment", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentNotFound")
        .withArgs(commitment);
    });

    it("reverts when the commitment is younger than minCommitAge", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentTooNew")
        .withArgs(commitment, t0 + MIN_AGE);
      await time.setNextBlockTimestamp(t0 + MIN_AGE - 1n);
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentTooNew")
        .withArgs(commitment, t0 + MIN_AGE);
    });

    it("succeeds at exactly minCommitAge and consumes the commitment", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await expect(registry.connect(alice).register(reg))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address, commitment));
      expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(alice.address);
      expect(await registry.commitments(commitment)).to.equal(ethers.MaxUint256);
    });

    it("succeeds at exactly maxCommitAge", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MAX_AGE);
      await registry.connect(alice).register(reg);
      expect(await registry.exists(reg.digest)).to.equal(true);
    });

    it("reverts when the commitment is older than maxCommitAge", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MAX_AGE + 1n);
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentExpired")
        .withArgs(commitment, t0 + MAX_AGE);
      expect(await registry.exists(reg.digest)).to.equal(false);
    });

    it("reverts when the reveal is replayed (the digest is taken and the commitment spent)", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await registry.connect(alice).register(reg);
      // A spent commitment always belongs to a registered digest, so the duplicate check answers first.
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "ArtifactExists")
        .withArgs(reg.digest, alice.address);
      expect(await registry.commitments(commitment)).to.equal(ethers.MaxUint256);
    });

    it("reverts when another account copies the reveal", async function () {
      const { registry, alice, mallory, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await expect(registry.connect(mallory).register(reg))
        .to.be.revertedWithCustomError(registry, "CommitmentNotFound")
        .withArgs(commitmentOf(reg.digest, mallory.address, reg.secret));
      await registry.connect(alice).register(reg);
      expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(alice.address);
    });

    it("reverts when the revealed secret differs from the committed one", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      const wrong = { ...reg, secret: ethers.id("guess") };
      await expect(registry.connect(alice).register(wrong))
        .to.be.revertedWithCustomError(registry, "CommitmentNotFound")
        .withArgs(commitmentOf(reg.digest, alice.address, wrong.secret));
    });

    it("accepts a commitment sent by another account for the registrant", async function () {
      const { registry, alice, bob, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(bob).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await expect(registry.connect(alice).register(reg))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address, commitment));
    });

    it("emits the commitment it consumed, as commitmentFor computes it", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const onChain = await registry.commitmentFor(reg.digest, alice.address, reg.secret);
      expect(onChain).to.equal(commitment);
      const t0 = await minedAt(registry.connect(alice).commit(onChain));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      const tx = registry.connect(alice).register(reg);
      await expect(tx)
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address, onChain));
      // By name too: the history index (src/history/state.ts) reads `args.commitment`.
      const receipt = await (await tx).wait();
      const [event] = receipt!.logs
        .map((log) => registry.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "ArtifactRegistered");
      expect(event!.args.commitment).to.equal(onChain);
      expect(event!.args.commitment).to.not.equal(ethers.ZeroHash);
    });

    it("does not need a commitment when commit-reveal is off, and emits a zero commitment", async function () {
      const { openRegistry, alice, reg } = await loadFixture(commitRevealFixture);
      await expect(openRegistry.connect(alice).register(reg))
        .to.emit(openRegistry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address, ethers.ZeroHash));
    });
  });

  describe("registerVersion", function () {
    it("requires a commitment for the new version", async function () {
      const { registry, alice, reg, commitment } = await loadFixture(commitRevealFixture);
      const t0 = await minedAt(registry.connect(alice).commit(commitment));
      await time.setNextBlockTimestamp(t0 + MIN_AGE);
      await registry.connect(alice).register(reg);

      const v2 = registration({
        digest: digestOf("v2"),
        parents: [reg.digest],
        secret: ethers.id("v2 secret"),
      });
      const c2 = commitmentOf(v2.digest, alice.address, v2.secret);
      await expect(registry.connect(alice).registerVersion(reg.digest, v2))
        .to.be.revertedWithCustomError(registry, "CommitmentNotFound")
        .withArgs(c2);
      const t1 = await minedAt(registry.connect(alice).commit(c2));
      await time.setNextBlockTimestamp(t1 + MIN_AGE);
      await expect(registry.connect(alice).registerVersion(reg.digest, v2))
        .to.emit(registry, "VersionLinked")
        .withArgs(reg.digest, v2.digest)
        .and.to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(v2, alice.address, c2));
    });
  });
});
