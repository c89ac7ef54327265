import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import {
  DigestScheme,
  Kind,
  type Registration,
  deployRegistry,
  digestOf,
  registeredArgs,
  registration,
  uriOfLength,
} from "./helpers/registry";
import { KnowledgeRegistry__factory } from "../typechain-types";

/** A distinct, non-zero, deterministic address for contributor `i`. */
function account(i: number): string {
  return ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x1000 + i), 20));
}

function contributorsOf(count: number) {
  return Array.from({ length: count }, (_, i) => ({ account: account(i), share: 1 }));
}

async function registryFixture() {
  const [alice, bob, carol] = await ethers.getSigners();
  const registry = await deployRegistry();
  const parent = registration({
    digest: digestOf("parent"),
    contributors: [{ account: alice.address, share: 1 }],
  });
  await registry.connect(alice).register(parent);
  return { registry, alice, bob, carol, parent };
}

describe("KnowledgeRegistry", function () {
  describe("register", function () {
    it("mints the ownership token with id uint256(digest) and stores every fact", async function () {
      const { registry, alice, bob, carol, parent } = await loadFixture(registryFixture);
      const reg = registration({
        digest: digestOf("model v1"),
        kind: Kind.Model,
        scheme: DigestScheme.UnixFs,
        uri: "ar://model-v1",
        contributors: [
          { account: bob.address, share: 7000 },
          { account: carol.address, share: 3000 },
        ],
        parents: [parent.digest],
        upstreamBps: 1500,
        minUpstreamBps: 250,
      });

      await expect(registry.connect(alice).register(reg))
        .to.emit(registry, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, BigInt(reg.digest))
        .and.to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address));

      expect(await registry.exists(reg.digest)).to.equal(true);
      expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(alice.address);
      expect(await registry.balanceOf(alice.address)).to.equal(2n);
      expect(await registry.balanceOf(bob.address)).to.equal(0n);
      const info = await registry.artifact(reg.digest);
      expect(info.owner).to.equal(alice.address);
      expect(info.kind).to.equal(BigInt(Kind.Model));
      expect(info.scheme).to.equal(BigInt(DigestScheme.UnixFs));
      expect(info.upstreamBps).to.equal(1500n);
      expect(info.minUpstreamBps).to.equal(250n);
      expect(info.contributorCount).to.equal(2n);
      expect(info.parentCount).to.equal(1n);
      expect(info.retracted).to.equal(false);
      expect(info.isVersion).to.equal(false);
      expect(info.totalShares).to.equal(10_000n);
      expect(await registry.contributors(reg.digest)).to.deep.equal([
        [bob.address, 7000n],
        [carol.address, 3000n],
      ]);
      expect(await registry.contributorAt(reg.digest, 1)).to.deep.equal([carol.address, 3000n, 10_000n]);
      expect(await registry.shareOf(reg.digest, bob.address)).to.equal(7000n);
      expect(await registry.shareOf(reg.digest, carol.address)).to.equal(3000n);
      expect(await registry.shareOf(reg.digest, alice.address)).to.equal(0n);
      expect(await registry.slotOf(reg.digest, carol.address)).to.deep.equal([true, 1n]);
      expect(await registry.slotOf(reg.digest, alice.address)).to.deep.equal([false, 0n]);
      expect(await registry.totalShares(reg.digest)).to.equal(10_000n);
      expect(await registry.parentsOf(reg.digest)).to.deep.equal([parent.digest]);
      expect(await registry.parentsOf(parent.digest)).to.deep.equal([]);
      expect(await registry.previousVersion(reg.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.nextVersion(reg.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.latestVersion(reg.digest)).to.equal(reg.digest);
    });

    it("accepts every kind", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      for (const [name, kind] of Object.entries(Kind)) {
        const reg = registration({ digest: digestOf(`kind ${name}`), kind });
        await registry.connect(alice).register(reg);
        expect((await registry.artifact(reg.digest)).kind).to.equal(BigInt(kind));
      }
    });

    it("stores, returns and emits every digest scheme", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      for (const [name, scheme] of Object.entries(DigestScheme)) {
        const reg = registration({ digest: digestOf(`scheme ${name}`), kind: Kind.Document, scheme });
        await expect(registry.connect(alice).register(reg))
          .to.emit(registry, "ArtifactRegistered")
          .withArgs(...registeredArgs(reg, alice.address));
        const info = await registry.artifact(reg.digest);
        expect(info.scheme).to.equal(BigInt(scheme));
        expect(info.kind).to.equal(BigInt(Kind.Document));
        expect([info.retracted, info.isVersion]).to.deep.equal([false, false]);
      }
    });

    it("keeps the scheme apart from the version and retracted flags it shares a byte with", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const v2 = registration({
        digest: digestOf("manifest v2"),
        scheme: DigestScheme.Manifest,
        parents: [parent.digest],
      });
      await registry.connect(alice).registerVersion(parent.digest, v2);
      let info = await registry.artifact(v2.digest);
      expect([info.scheme, info.isVersion, info.retracted]).to.deep.equal([
        BigInt(DigestScheme.Manifest),
        true,
        false,
      ]);
      expect(await registry.latestVersion(parent.digest)).to.equal(v2.digest);

      await registry.connect(alice).retract(v2.digest, "superseded");
      info = await registry.artifact(v2.digest);
      expect([info.scheme, info.isVersion, info.retracted]).to.deep.equal([
        BigInt(DigestScheme.Manifest),
        true,
        true,
      ]);
      expect((await registry.economics(v2.digest)).retracted).to.equal(true);
      expect(await registry.latestVersion(v2.digest)).to.equal(v2.digest);
    });

    it("reverts when the scheme is not a DigestScheme", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const reg = registration({ digest: digestOf("scheme 3"), scheme: 3 });
      await expect(registry.connect(alice).register(reg)).to.be.revertedWithoutReason();
      expect(await registry.exists(reg.digest)).to.equal(false);
    });

    it("accepts exactly 64 contributors, 16 parents, 10000 bps and a 1024-byte URI", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const parents: string[] = [];
      for (let i = 0; i < 16; i++) {
        const p = registration({ digest: digestOf(`parent ${i}`) });
        await registry.connect(alice).register(p);
        parents.push(p.digest);
      }
      const reg = registration({
        digest: digestOf("wide"),
        uri: uriOfLength(1024),
        contributors: contributorsOf(64),
        parents,
        upstreamBps: 10_000,
        minUpstreamBps: 10_000,
      });
      await expect(registry.connect(alice).register(reg))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address));
      const info = await registry.artifact(reg.digest);
      expect(info.contributorCount).to.equal(64n);
      expect(info.parentCount).to.equal(16n);
      expect(info.totalShares).to.equal(64n);
      expect(await registry.parentsOf(reg.digest)).to.deep.equal(parents);
      expect((await registry.contributors(reg.digest)).map((c) => c.account)).to.deep.equal(
        contributorsOf(64).map((c) => c.account),
      );
      expect(await registry.contributorAt(reg.digest, 63)).to.deep.equal([account(63), 1n, 64n]);
    });

    it("accepts shares summing to exactly type(uint32).max", async function () {
      const { registry, alice, bob, carol } = await loadFixture(registryFixture);
      const reg = registration({
        contributors: [
          { account: bob.address, share: 2n ** 32n - 2n },
          { account: carol.address, share: 1 },
        ],
      });
      await registry.connect(alice).register(reg);
      expect(await registry.totalShares(reg.digest)).to.equal(2n ** 32n - 1n);
    });

    it("reverts when the digest is zero", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(
        registry.connect(alice).register(registration({ digest: ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(registry, "ZeroDigest");
    });

    it("reverts when the digest is already registered, naming it and its owner", async function () {
      const { registry, alice, bob, parent } = await loadFixture(registryFixture);
      await expect(registry.connect(bob).register(registration({ digest: parent.digest })))
        .to.be.revertedWithCustomError(registry, "ArtifactExists")
        .withArgs(parent.digest, alice.address);
      expect(await registry.ownerOf(BigInt(parent.digest))).to.equal(alice.address);
    });

    it("reverts when there are no contributors", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(
        registry.connect(alice).register(registration({ contributors: [] })),
      ).to.be.revertedWithCustomError(registry, "NoContributors");
    });

    it("reverts when there are more than 64 contributors", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).register(registration({ contributors: contributorsOf(65) })))
        .to.be.revertedWithCustomError(registry, "TooManyContributors")
        .withArgs(65, 64);
    });

    it("reverts when a contributor is the zero address, naming its index", async function () {
      const { registry, alice, bob } = await loadFixture(registryFixture);
      const contributors = [
        { account: alice.address, share: 1 },
        { account: bob.address, share: 1 },
        { account: ethers.ZeroAddress, share: 1 },
      ];
      await expect(registry.connect(alice).register(registration({ contributors })))
        .to.be.revertedWithCustomError(registry, "ZeroContributor")
        .withArgs(2);
    });

    it("reverts when a share is zero", async function () {
      const { registry, alice, bob } = await loadFixture(registryFixture);
      const contributors = [
        { account: alice.address, share: 1 },
        { account: bob.address, share: 0 },
      ];
      await expect(registry.connect(alice).register(registration({ contributors })))
        .to.be.revertedWithCustomError(registry, "ZeroShare")
        .withArgs(bob.address);
    });

    it("reverts when a contributor appears twice", async function () {
      const { registry, alice, bob, carol } = await loadFixture(registryFixture);
      const contributors = [
        { account: alice.address, share: 1 },
        { account: bob.address, share: 2 },
        { account: carol.address, share: 3 },
        { account: bob.address, share: 4 },
      ];
      await expect(registry.connect(alice).register(registration({ contributors })))
        .to.be.revertedWithCustomError(registry, "DuplicateContributor")
        .withArgs(bob.address);
    });

    it("reverts when the shares overflow a uint32, naming the total", async function () {
      const { registry, alice, bob } = await loadFixture(registryFixture);
      const contributors = [
        { account: alice.address, share: 2n ** 32n - 1n },
        { account: bob.address, share: 1 },
      ];
      await expect(registry.connect(alice).register(registration({ contributors })))
        .to.be.revertedWithCustomError(registry, "SharesOverflow")
        .withArgs(2n ** 32n);
    });

    it("reverts when there are more than 16 parents", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const parents = Array.from({ length: 17 }, (_, i) => digestOf(`missing ${i}`));
      await expect(registry.connect(alice).register(registration({ parents })))
        .to.be.revertedWithCustomError(registry, "TooManyParents")
        .withArgs(17, 16);
    });

    it("reverts when a parent is not registered", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const missing = digestOf("missing");
      await expect(registry.connect(alice).register(registration({ parents: [parent.digest, missing] })))
        .to.be.revertedWithCustomError(registry, "UnknownParent")
        .withArgs(missing);
    });

    it("reverts when a parent is the artifact itself (not yet registered)", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const reg = registration({ digest: digestOf("self") });
      await expect(registry.connect(alice).register({ ...reg, parents: [reg.digest] }))
        .to.be.revertedWithCustomError(registry, "UnknownParent")
        .withArgs(reg.digest);
    });

    it("reverts when a parent appears twice", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      await expect(
        registry.connect(alice).register(registration({ parents: [parent.digest, parent.digest] })),
      )
        .to.be.revertedWithCustomError(registry, "DuplicateParent")
        .withArgs(parent.digest);
    });

    it("reverts when upstreamBps is above 10000", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      await expect(
        registry.connect(alice).register(registration({ parents: [parent.digest], upstreamBps: 10_001 })),
      )
        .to.be.revertedWithCustomError(registry, "InvalidBps")
        .withArgs(10_001);
    });

    it("reverts when minUpstreamBps is above 10000", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).register(registration({ minUpstreamBps: 65_535 })))
        .to.be.revertedWithCustomError(registry, "InvalidBps")
        .withArgs(65_535);
    });

    it("reverts when upstreamBps is non-zero without parents", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).register(registration({ upstreamBps: 1 })))
        .to.be.revertedWithCustomError(registry, "UpstreamWithoutParents")
        .withArgs(1);
    });

    it("reverts when upstreamBps is below a parent's minimum, naming the parent and the minimum", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const strict = registration({ digest: digestOf("strict parent"), minUpstreamBps: 500 });
      await registry.connect(alice).register(strict);
      // The child asks of its own derivatives what strict asks of it, as the minimum propagates.
      const reg = registration({
        digest: digestOf("child"),
        parents: [parent.digest, strict.digest],
        minUpstreamBps: 500,
      });

      // Two parents share upstreamBps equally: strict's part of 999 is 499 (rounded down), of 500 only 250.
      await expect(registry.connect(alice).register({ ...reg, upstreamBps: 999 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 500, 499);
      await expect(registry.connect(alice).register({ ...reg, upstreamBps: 500 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 500, 250);
      await expect(registry.connect(alice).register({ ...reg, upstreamBps: 1000 }))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs({ ...reg, upstreamBps: 1000 }, alice.address));
    });

    it("applies each parent's minimum to its equal part: minimum × parents passes, one bps less reverts at the first parent short of it", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const low = registration({ digest: digestOf("asks 300"), minUpstreamBps: 300 });
      const first = registration({ digest: digestOf("asks 500, first"), minUpstreamBps: 500 });
      const second = registration({ digest: digestOf("asks 500, second"), minUpstreamBps: 500 });
      for (const reg of [low, first, second]) await registry.connect(alice).register(reg);

      // Both ask 500: 999 gives each 499, and the first of them is named.
      // Each child asks 500 of its own derivatives, the most any of its parents asks (the minimum propagates).
      const both = registration({
        digest: digestOf("child of two"),
        parents: [first.digest, second.digest],
        minUpstreamBps: 500,
      });
      await expect(registry.connect(alice).register({ ...both, upstreamBps: 999 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(first.digest, 500, 499);
      await expect(registry.connect(alice).register({ ...both, upstreamBps: 1000 }))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs({ ...both, upstreamBps: 1000 }, alice.address));

      // The first parent is satisfied by 999 (needs 2 × 300), so the second is the first one short.
      const mixed = registration({
        digest: digestOf("child of mixed"),
        parents: [low.digest, second.digest],
        minUpstreamBps: 500,
      });
      await expect(registry.connect(alice).register({ ...mixed, upstreamBps: 999 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(second.digest, 500, 499);

      // Three parents: 1499 / 3 = 499.67, reported rounded down; 1500 is exactly 3 × 500.
      const three = registration({
        digest: digestOf("child of three"),
        parents: [low.digest, first.digest, second.digest],
        minUpstreamBps: 500,
      });
      await expect(registry.connect(alice).register({ ...three, upstreamBps: 1499 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(first.digest, 500, 499);
      await expect(registry.connect(alice).register({ ...three, upstreamBps: 1500 }))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs({ ...three, upstreamBps: 1500 }, alice.address));
      expect((await registry.economics(three.digest)).upstreamBps).to.equal(1500n);
    });

    it("cannot dilute a parent's minimum by padding the parents with one's own artifacts", async function () {
      const { registry, alice, bob } = await loadFixture(registryFixture);
      const strict = registration({ digest: digestOf("asks half"), minUpstreamBps: 5000 });
      await registry.connect(alice).register(strict);
      // Bob registers 15 artifacts of his own, asking nothing, to pad the parent list up to 16.
      const padding: string[] = [];
      for (let i = 0; i < 15; i++) {
        const own = registration({
          digest: digestOf(`bob's padding ${i}`),
          contributors: [{ account: bob.address, share: 1 }],
        });
        await registry.connect(bob).register(own);
        padding.push(own.digest);
      }
      const padded = registration({
        digest: digestOf("padded child"),
        contributors: [{ account: bob.address, share: 1 }],
        parents: [...padding, strict.digest],
        minUpstreamBps: 5000,
      });
      // 5000 over 16 parents would give the strict parent 312 bps, not the 5000 it asks.
      await expect(registry.connect(bob).register({ ...padded, upstreamBps: 5000 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 5000, 312);
      // Even passing on everything gives it only 625: a parent asking 5000 admits at most one co-parent.
      await expect(registry.connect(bob).register({ ...padded, upstreamBps: 10_000 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 5000, 625);
      expect(await registry.exists(padded.digest)).to.equal(false);

      const honest = registration({
        digest: digestOf("honest child"),
        contributors: [{ account: bob.address, share: 1 }],
        parents: [padding[0], strict.digest],
        minUpstreamBps: 5000,
      });
      await expect(registry.connect(bob).register({ ...honest, upstreamBps: 9999 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 5000, 4999);
      await expect(registry.connect(bob).register({ ...honest, upstreamBps: 10_000 }))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs({ ...honest, upstreamBps: 10_000 }, bob.address));
    });

    it("reverts when the URI is longer than 1024 bytes", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).register(registration({ uri: uriOfLength(1025) })))
        .to.be.revertedWithCustomError(registry, "URITooLong")
        .withArgs(1025, 1024);
    });

    it("reverts when the URI is over 1024 bytes in UTF-8 even if it has fewer characters", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const uri = "ipfs://" + "é".repeat(510); // 7 + 1020 bytes, 517 characters
      await expect(registry.connect(alice).register(registration({ uri })))
        .to.be.revertedWithCustomError(registry, "URITooLong")
        .withArgs(1027, 1024);
    });

    it("changes nothing when it reverts", async function () {
      const { registry, alice, bob } = await loadFixture(registryFixture);
      const reg = registration({
        digest: digestOf("half valid"),
        contributors: [
          { account: alice.address, share: 1 },
          { account: bob.address, share: 1 },
          { account: alice.address, share: 1 },
        ],
      });
      await expect(registry.connect(alice).register(reg))
        .to.be.revertedWithCustomError(registry, "DuplicateContributor")
        .withArgs(alice.address);

      expect(await registry.exists(reg.digest)).to.equal(false);
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
      expect(await registry.slotOf(reg.digest, alice.address)).to.deep.equal([false, 0n]);
      await expect(registry.contributorAt(reg.digest, 0))
        .to.be.revertedWithCustomError(registry, "UnknownSlot")
        .withArgs(reg.digest, 0);
      await expect(registry.artifact(reg.digest))
        .to.be.revertedWithCustomError(registry, "UnknownArtifact")
        .withArgs(reg.digest);
      await expect(registry.ownerOf(BigInt(reg.digest)))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(BigInt(reg.digest));

      // The same digest registers cleanly afterwards: nothing was left behind.
      const fixed = { ...reg, contributors: reg.contributors.slice(0, 2) };
      await registry.connect(alice).register(fixed);
      expect(await registry.contributors(reg.digest)).to.deep.equal([
        [alice.address, 1n],
        [bob.address, 1n],
      ]);
    });
  });

  describe("views", function () {
    it("revert with UnknownArtifact for an unregistered digest", async function () {
      const { registry } = await loadFixture(registryFixture);
      const missing = digestOf("missing");
      expect(await registry.exists(missing)).to.equal(false);
      // Thunks, not promises: a call must not start (and reject unobserved) before its assertion attaches.
      const calls = [
        () => registry.artifact(missing),
        () => registry.contributors(missing),
        () => registry.totalShares(missing),
        () => registry.parentsOf(missing),
        () => registry.previousVersion(missing),
        () => registry.latestVersion(missing),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(registry, "UnknownArtifact").withArgs(missing);
      }
      expect(await registry.shareOf(missing, ethers.ZeroAddress)).to.equal(0n);
      expect(await registry.nextVersion(missing)).to.equal(ethers.ZeroHash);
    });

    it("revert with UnknownSlot past the last contributor", async function () {
      const { registry, parent } = await loadFixture(registryFixture);
      await expect(registry.contributorAt(parent.digest, 1))
        .to.be.revertedWithCustomError(registry, "UnknownSlot")
        .withArgs(parent.digest, 1);
    });

    it("slotHolder returns each slot, and zeros past the end or for an unknown digest", async function () {
      const { registry, alice, bob, carol, parent } = await loadFixture(registryFixture);
      const reg = registration({
        digest: digestOf("slots"),
        contributors: [
          { account: bob.address, share: 2 },
          { account: carol.address, share: 5 },
        ],
      });
      await registry.connect(alice).register(reg);
      expect(await registry.slotHolder(reg.digest, 0)).to.deep.equal([bob.address, 2n]);
      expect(await registry.slotHolder(reg.digest, 1)).to.deep.equal([carol.address, 5n]);
      expect(await registry.slotHolder(reg.digest, 2)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await registry.slotHolder(digestOf("missing"), 0)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await registry.slotHolder(parent.digest, 0)).to.deep.equal([alice.address, 1n]);
    });

    it("economics returns what a pool needs, and zeros for an unknown digest", async function () {
      const { registry, alice, bob, carol, parent } = await loadFixture(registryFixture);
      const reg = registration({
        digest: digestOf("economics"),
        contributors: [
          { account: bob.address, share: 2 },
          { account: carol.address, share: 5 },
        ],
        parents: [parent.digest],
        upstreamBps: 2500,
      });
      await registry.connect(alice).register(reg);
      expect(await registry.economics(reg.digest)).to.deep.equal([true, false, 2500n, 7n]);
      expect(await registry.economics(parent.digest)).to.deep.equal([true, false, 0n, 1n]);
      expect(await registry.economics(digestOf("missing"))).to.deep.equal([false, false, 0n, 0n]);
    });

    it("expose the limits and the commit-reveal configuration", async function () {
      const { registry } = await loadFixture(registryFixture);
      expect(await registry.MAX_CONTRIBUTORS()).to.equal(64n);
      expect(await registry.MAX_PARENTS()).to.equal(16n);
      expect(await registry.MAX_URI_LENGTH()).to.equal(1024n);
      expect(await registry.minCommitAge()).to.equal(0n);
      expect(await registry.maxCommitAge()).to.equal(0n);
      expect(await registry.name()).to.equal("Knowledge Commons Artifact");
      expect(await registry.symbol()).to.equal("KCA");
    });

    it("supports the ERC-165 interfaces of ERC-721", async function () {
      const { registry } = await loadFixture(registryFixture);
      expect(await registry.supportsInterface("0x80ac58cd")).to.equal(true); // ERC-721
      expect(await registry.supportsInterface("0x5b5e139f")).to.equal(true); // ERC-721 metadata
      expect(await registry.supportsInterface("0x01ffc9a7")).to.equal(true); // ERC-165
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("registerVersion", function () {
    it("registers the next version, links it and marks it as a version", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const v2 = registration({ digest: digestOf("v2"), parents: [parent.digest] });
      await expect(registry.connect(alice).registerVersion(parent.digest, v2))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(v2, alice.address))
        .and.to.emit(registry, "VersionLinked")
        .withArgs(parent.digest, v2.digest)
        .and.to.emit(registry, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, BigInt(v2.digest));
      expect((await registry.artifact(v2.digest)).isVersion).to.equal(true);
      expect((await registry.artifact(parent.digest)).isVersion).to.equal(false);
      expect(await registry.ownerOf(BigInt(v2.digest))).to.equal(alice.address);
    });

    it("follows a chain of three versions", async function () {
      const { registry, alice, parent: v1 } = await loadFixture(registryFixture);
      const v2 = registration({ digest: digestOf("v2"), parents: [v1.digest] });
      const v3 = registration({ digest: digestOf("v3"), parents: [v2.digest] });
      await registry.connect(alice).registerVersion(v1.digest, v2);
      await registry.connect(alice).registerVersion(v2.digest, v3);

      expect(await registry.previousVersion(v1.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.previousVersion(v2.digest)).to.equal(v1.digest);
      expect(await registry.previousVersion(v3.digest)).to.equal(v2.digest);
      expect(await registry.nextVersion(v1.digest)).to.equal(v2.digest);
      expect(await registry.nextVersion(v2.digest)).to.equal(v3.digest);
      expect(await registry.nextVersion(v3.digest)).to.equal(ethers.ZeroHash);
      for (const v of [v1, v2, v3]) {
        expect(await registry.latestVersion(v.digest)).to.equal(v3.digest);
      }
    });

    it("keeps further parents after the previous version", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const other = registration({ digest: digestOf("other"), minUpstreamBps: 100 });
      await registry.connect(alice).register(other);
      // Two parents share upstreamBps equally: 200 gives `other` the 100 it asks, and v2 asks as much in turn.
      const v2 = registration({
        digest: digestOf("v2"),
        parents: [parent.digest, other.digest],
        upstreamBps: 200,
        minUpstreamBps: 100,
      });
      await registry.connect(alice).registerVersion(parent.digest, v2);
      expect(await registry.parentsOf(v2.digest)).to.deep.equal([parent.digest, other.digest]);
      expect((await registry.economics(v2.digest)).upstreamBps).to.equal(200n);
      expect(await registry.previousVersion(v2.digest)).to.equal(parent.digest);
    });

    it("does not make a plain derivative a version", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const child = registration({ digest: digestOf("child"), parents: [parent.digest] });
      await registry.connect(alice).register(child);
      expect(await registry.previousVersion(child.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.nextVersion(parent.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.latestVersion(parent.digest)).to.equal(parent.digest);
    });

    it("is registered by the new owner after a transfer", async function () {
      const { registry, alice, bob, parent } = await loadFixture(registryFixture);
      await registry.connect(alice).transferFrom(alice.address, bob.address, BigInt(parent.digest));
      const v2 = registration({ digest: digestOf("v2"), parents: [parent.digest] });

      await expect(registry.connect(alice).registerVersion(parent.digest, v2))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(parent.digest, alice.address);
      await expect(registry.connect(bob).registerVersion(parent.digest, v2))
        .to.emit(registry, "VersionLinked")
        .withArgs(parent.digest, v2.digest);
      expect(await registry.ownerOf(BigInt(v2.digest))).to.equal(bob.address);
    });

    it("reverts when the caller does not own the previous version", async function () {
      const { registry, bob, parent } = await loadFixture(registryFixture);
      const v2 = registration({ digest: digestOf("v2"), parents: [parent.digest] });
      await expect(registry.connect(bob).registerVersion(parent.digest, v2))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(parent.digest, bob.address);
    });

    it("reverts when the previous version is not registered", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const missing = digestOf("missing");
      const v2 = registration({ digest: digestOf("v2"), parents: [missing] });
      await expect(registry.connect(alice).registerVersion(missing, v2))
        .to.be.revertedWithCustomError(registry, "UnknownArtifact")
        .withArgs(missing);
    });

    it("reverts when the previous version is not the first parent", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const other = registration({ digest: digestOf("other") });
      await registry.connect(alice).register(other);
      for (const parents of [[], [other.digest], [other.digest, parent.digest]]) {
        const v2 = registration({ digest: digestOf("v2"), parents });
        await expect(registry.connect(alice).registerVersion(parent.digest, v2))
          .to.be.revertedWithCustomError(registry, "VersionMustExtendPrevious")
          .withArgs(parent.digest);
      }
    });

    it("reverts when the previous version already has a next version", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const v2 = registration({ digest: digestOf("v2"), parents: [parent.digest] });
      const fork = registration({ digest: digestOf("v2 fork"), parents: [parent.digest] });
      await registry.connect(alice).registerVersion(parent.digest, v2);
      await expect(registry.connect(alice).registerVersion(parent.digest, fork))
        .to.be.revertedWithCustomError(registry, "VersionExists")
        .withArgs(parent.digest, v2.digest);
      expect(await registry.exists(fork.digest)).to.equal(false);
    });

    it("links nothing when the version's registration reverts", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const v2 = registration({ digest: digestOf("v2"), parents: [parent.digest], contributors: [] });
      await expect(registry.connect(alice).registerVersion(parent.digest, v2)).to.be.revertedWithCustomError(
        registry,
        "NoContributors",
      );
      expect(await registry.nextVersion(parent.digest)).to.equal(ethers.ZeroHash);
      expect(await registry.exists(v2.digest)).to.equal(false);
    });

    it("reverts when the version is below the previous version's minimum upstream share", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const v1 = registration({ digest: digestOf("strict v1"), minUpstreamBps: 1000 });
      await registry.connect(alice).register(v1);
      const v2 = registration({ digest: digestOf("v2"), parents: [v1.digest], upstreamBps: 999 });
      await expect(registry.connect(alice).registerVersion(v1.digest, v2))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(v1.digest, 1000, 999);
    });
  });

  describe("multicall", function () {
    function batchOf(regs: Registration[]): string[] {
      const iface = KnowledgeRegistry__factory.createInterface();
      return regs.map((reg) => iface.encodeFunctionData("register", [reg]));
    }

    it("registers several artifacts in one transaction", async function () {
      const { registry, alice, parent } = await loadFixture(registryFixture);
      const regs = [
        registration({ digest: digestOf("batch 1") }),
        registration({ digest: digestOf("batch 2"), kind: Kind.Code, parents: [parent.digest] }),
        registration({ digest: digestOf("batch 3"), kind: Kind.Prompt, uri: "" }),
      ];
      const tx = registry.connect(alice).multicall(batchOf(regs));
      for (const reg of regs) {
        await expect(tx)
          .to.emit(registry, "ArtifactRegistered")
          .withArgs(...registeredArgs(reg, alice.address));
      }
      for (const reg of regs) {
        expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(alice.address);
      }
      expect(await registry.balanceOf(alice.address)).to.equal(4n);
    });

    it("registers a parent and its child in the same batch, in order", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const base = registration({ digest: digestOf("batch base") });
      const child = registration({ digest: digestOf("batch child"), parents: [base.digest] });
      await registry.connect(alice).multicall(batchOf([base, child]));
      expect(await registry.parentsOf(child.digest)).to.deep.equal([base.digest]);
    });

    it("reverts the whole batch when one registration is bad", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const regs = [
        registration({ digest: digestOf("batch 1") }),
        registration({ digest: digestOf("batch 2"), contributors: [{ account: alice.address, share: 0 }] }),
        registration({ digest: digestOf("batch 3") }),
      ];
      await expect(registry.connect(alice).multicall(batchOf(regs)))
        .to.be.revertedWithCustomError(registry, "ZeroShare")
        .withArgs(alice.address);
      for (const reg of regs) {
        expect(await registry.exists(reg.digest)).to.equal(false);
      }
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
    });
  });
});
