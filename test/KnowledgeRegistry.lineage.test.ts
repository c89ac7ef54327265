import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import {
  type Registration,
  deployRegistry,
  digestOf,
  registeredArgs,
  registration,
} from "./helpers/registry";
import type { KnowledgeRegistry } from "../typechain-types";

const BPS = 10_000n;

/** Alice owns a root artifact `root` that asks nothing of its derivatives. */
async function lineageFixture() {
  const [alice, bob] = await ethers.getSigners();
  const registry = await deployRegistry();
  const root = registration({
    digest: digestOf("root"),
    contributors: [{ account: alice.address, share: 1 }],
  });
  await registry.connect(alice).register(root);
  return { registry, alice, bob, root };
}

/** Registers `count` further versions after `first` as `owner`; returns the whole chain, `first` included. */
async function extendChain(
  registry: KnowledgeRegistry,
  owner: HardhatEthersSigner,
  first: string,
  name: string,
  count: number,
): Promise<string[]> {
  const chain = [first];
  for (let i = 0; i < count; i++) {
    const previous = chain[chain.length - 1];
    const next = registration({
      digest: digestOf(`${name}, the version after ${previous}`),
      parents: [previous],
    });
    await registry.connect(owner).registerVersion(previous, next);
    chain.push(next.digest);
  }
  return chain;
}

describe("KnowledgeRegistry", function () {
  describe("register: the minimum upstream share propagates", function () {
    it("reverts when minUpstreamBps is below a parent's, naming the parent, its minimum and the value asked; equal passes", async function () {
      const { registry, alice } = await loadFixture(lineageFixture);
      const strict = registration({ digest: digestOf("asks 500"), minUpstreamBps: 500 });
      await registry.connect(alice).register(strict);
      const child = registration({ digest: digestOf("child"), parents: [strict.digest], upstreamBps: 500 });

      for (const minUpstreamBps of [0, 1, 499]) {
        await expect(registry.connect(alice).register({ ...child, minUpstreamBps }))
          .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
          .withArgs(strict.digest, 500, minUpstreamBps);
      }
      expect(await registry.exists(child.digest)).to.equal(false);

      const equal = { ...child, minUpstreamBps: 500 };
      await expect(registry.connect(alice).register(equal))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(equal, alice.address));
      expect((await registry.artifact(child.digest)).minUpstreamBps).to.equal(500n);
    });

    it("accepts a minimum above the parent's", async function () {
      const { registry, alice } = await loadFixture(lineageFixture);
      const strict = registration({ digest: digestOf("asks 500"), minUpstreamBps: 500 });
      await registry.connect(alice).register(strict);
      const child = registration({
        digest: digestOf("child"),
        parents: [strict.digest],
        upstreamBps: 500,
        minUpstreamBps: 10_000,
      });
      await registry.connect(alice).register(child);
      expect((await registry.artifact(child.digest)).minUpstreamBps).to.equal(10_000n);
    });

    it("with several parents, names the first parent whose minimum is above the one asked", async function () {
      const { registry, alice } = await loadFixture(lineageFixture);
      const low = registration({ digest: digestOf("asks 300"), minUpstreamBps: 300 });
      const mid = registration({ digest: digestOf("asks 500"), minUpstreamBps: 500 });
      const high = registration({ digest: digestOf("asks 700"), minUpstreamBps: 700 });
      for (const reg of [low, mid, high]) await registry.connect(alice).register(reg);
      // 2100 = 3 × 700 gives every parent its part, so only the propagated minimum can fail.
      const child = registration({
        digest: digestOf("child of three"),
        parents: [low.digest, mid.digest, high.digest],
        upstreamBps: 2100,
      });

      const cases: [number, Registration, number][] = [
        [299, low, 300],
        [300, mid, 500],
        [400, mid, 500],
        [500, high, 700],
        [699, high, 700],
      ];
      for (const [minUpstreamBps, parent, parentMinimum] of cases) {
        await expect(registry.connect(alice).register({ ...child, minUpstreamBps }))
          .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
          .withArgs(parent.digest, parentMinimum, minUpstreamBps);
      }
      await registry.connect(alice).register({ ...child, minUpstreamBps: 700 });
      expect((await registry.artifact(child.digest)).minUpstreamBps).to.equal(700n);
    });

    it("reports a parent's unmet upstream share before its unmet minimum", async function () {
      const { registry, alice } = await loadFixture(lineageFixture);
      const strict = registration({ digest: digestOf("asks 500"), minUpstreamBps: 500 });
      await registry.connect(alice).register(strict);
      const child = registration({ digest: digestOf("child"), parents: [strict.digest], upstreamBps: 499 });
      await expect(registry.connect(alice).register(child))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(strict.digest, 500, 499);
    });

    it("applies to a new version, whose first parent is the version it extends", async function () {
      const { registry, alice } = await loadFixture(lineageFixture);
      const v1 = registration({ digest: digestOf("strict v1"), minUpstreamBps: 1000 });
      await registry.connect(alice).register(v1);
      const v2 = registration({ digest: digestOf("strict v2"), parents: [v1.digest], upstreamBps: 1000 });

      await expect(registry.connect(alice).registerVersion(v1.digest, { ...v2, minUpstreamBps: 999 }))
        .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
        .withArgs(v1.digest, 1000, 999);
      expect(await registry.nextVersion(v1.digest)).to.equal(ethers.ZeroHash);

      await expect(registry.connect(alice).registerVersion(v1.digest, { ...v2, minUpstreamBps: 1000 }))
        .to.emit(registry, "VersionLinked")
        .withArgs(v1.digest, v2.digest);
    });

    it("wrapper regression: P asks 3000 bps, so X under P at 3000 must ask ≥ 3000; D under X at 1 bps reverts, at 3000 passes; P gets 900 of D's 10,000 (was 0.3)", async function () {
      const { registry, alice, bob } = await loadFixture(lineageFixture);
      const P = registration({ digest: digestOf("P"), minUpstreamBps: 3000 });
      await registry.connect(alice).register(P);

      // Bob wraps P: X passes P the 30 % it asks, and used to set its own minimum to 0.
      const X = registration({
        digest: digestOf("X, a wrapper of P"),
        contributors: [{ account: bob.address, share: 1 }],
        parents: [P.digest],
        upstreamBps: 3000,
      });
      await expect(registry.connect(bob).register({ ...X, minUpstreamBps: 0 }))
        .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
        .withArgs(P.digest, 3000, 0);
      await expect(registry.connect(bob).register({ ...X, minUpstreamBps: 2999 }))
        .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
        .withArgs(P.digest, 3000, 2999);
      await registry.connect(bob).register({ ...X, minUpstreamBps: 3000 });

      // D builds on X and used to pass on 1 bps: of 10,000 units X got 1 and P 30 % of that, 0.3.
      const D = registration({
        digest: digestOf("D, built on the wrapper"),
        contributors: [{ account: bob.address, share: 1 }],
        parents: [X.digest],
        minUpstreamBps: 3000,
      });
      await expect(registry.connect(bob).register({ ...D, upstreamBps: 1 }))
        .to.be.revertedWithCustomError(registry, "UpstreamBelowParentMinimum")
        .withArgs(X.digest, 3000, 1);
      // D in turn must ask 3000 of its own derivatives: the minimum keeps propagating down.
      await expect(registry.connect(bob).register({ ...D, upstreamBps: 3000, minUpstreamBps: 0 }))
        .to.be.revertedWithCustomError(registry, "MinUpstreamBelowParent")
        .withArgs(X.digest, 3000, 0);
      await expect(registry.connect(bob).register({ ...D, upstreamBps: 3000 }))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs({ ...D, upstreamBps: 3000 }, bob.address));

      // P's part of 10,000 units of D's rewards, from the registry's values along D → X → P.
      const [xParents] = await registry.lineage(D.digest);
      const [pParents] = await registry.lineage(X.digest);
      expect([...xParents, ...pParents]).to.deep.equal([X.digest, P.digest]);
      const d = await registry.artifact(D.digest);
      const x = await registry.artifact(X.digest);
      expect([d.upstreamBps, d.parentCount, x.upstreamBps, x.parentCount]).to.deep.equal([
        3000n,
        1n,
        3000n,
        1n,
      ]);
      const toX = (10_000n * d.upstreamBps) / BPS / d.parentCount;
      const toP = (toX * x.upstreamBps) / BPS / x.parentCount;
      expect(toX).to.equal(3000n);
      expect(toP).to.equal(900n);
      // Both steps gave exactly the least allowed, so this is P's floor: its minimum twice, 30 % × 30 % = 9 %.
      const pMinimum = (await registry.artifact(P.digest)).minUpstreamBps;
      expect(toP).to.equal((10_000n * pMinimum * pMinimum) / BPS / BPS);
    });
  });

  describe("lineage", function () {
    it("returns the parents in registration order, none retracted", async function () {
      const { registry, alice, bob, root } = await loadFixture(lineageFixture);
      const a = registration({ digest: digestOf("a") });
      const b = registration({ digest: digestOf("b") });
      await registry.connect(alice).register(a);
      await registry.connect(bob).register(b);
      const parents = [b.digest, root.digest, a.digest];
      const child = registration({ digest: digestOf("child"), parents });
      await registry.connect(alice).register(child);

      const [lineageParents, retracted] = await registry.lineage(child.digest);
      expect(lineageParents).to.deep.equal(parents);
      expect(retracted).to.deep.equal([false, false, false]);
      expect(lineageParents).to.deep.equal(await registry.parentsOf(child.digest));
    });

    it("flips a parent's flag after its owner retracts it, and only that parent's", async function () {
      const { registry, alice, bob, root } = await loadFixture(lineageFixture);
      const a = registration({ digest: digestOf("a") });
      const b = registration({ digest: digestOf("b") });
      await registry.connect(alice).register(a);
      await registry.connect(bob).register(b);
      const child = registration({ digest: digestOf("child"), parents: [root.digest, a.digest, b.digest] });
      await registry.connect(alice).register(child);
      const grandchild = registration({ digest: digestOf("grandchild"), parents: [child.digest] });
      await registry.connect(alice).register(grandchild);

      await registry.connect(bob).retract(b.digest, "withdrawn");
      expect(await registry.lineage(child.digest)).to.deep.equal([
        [root.digest, a.digest, b.digest],
        [false, false, true],
      ]);
      await registry.connect(alice).retract(root.digest, "superseded");
      expect((await registry.lineage(child.digest)).retracted).to.deep.equal([true, false, true]);

      // Retracting the child shows in its derivatives' lineage, not in its own.
      expect((await registry.lineage(grandchild.digest)).retracted).to.deep.equal([false]);
      await registry.connect(alice).retract(child.digest, "mistake");
      expect((await registry.lineage(grandchild.digest)).retracted).to.deep.equal([true]);
      expect((await registry.lineage(child.digest)).retracted).to.deep.equal([true, false, true]);
    });

    it("returns empty arrays for an unknown digest and for an artifact without parents", async function () {
      const { registry, root } = await loadFixture(lineageFixture);
      expect(await registry.lineage(digestOf("missing"))).to.deep.equal([[], []]);
      expect(await registry.lineage(ethers.ZeroHash)).to.deep.equal([[], []]);
      expect(await registry.lineage(root.digest)).to.deep.equal([[], []]);
    });

    it("starts a version's lineage with the version it extends", async function () {
      const { registry, alice, bob, root } = await loadFixture(lineageFixture);
      const other = registration({ digest: digestOf("other") });
      await registry.connect(bob).register(other);
      const v2 = registration({ digest: digestOf("root v2"), parents: [root.digest, other.digest] });
      await registry.connect(alice).registerVersion(root.digest, v2);
      await registry.connect(bob).retract(other.digest, "withdrawn");
      expect(await registry.lineage(v2.digest)).to.deep.equal([
        [root.digest, other.digest],
        [false, true],
      ]);
    });
  });

  describe("latestVersion", function () {
    it("returns the head of a 6-version chain from its root, a middle version and the head, and follows a new head", async function () {
      const { registry, alice, root } = await loadFixture(lineageFixture);
      const chain = await extendChain(registry, alice, root.digest, "root", 5);
      expect(chain).to.have.length(6);
      const head = chain[5];
      for (const digest of [chain[0], chain[2], chain[3], head]) {
        expect(await registry.latestVersion(digest)).to.equal(head);
      }
      for (let i = 1; i < chain.length; i++) {
        expect(await registry.previousVersion(chain[i])).to.equal(chain[i - 1]);
        expect(await registry.nextVersion(chain[i - 1])).to.equal(chain[i]);
      }

      const [, v7] = await extendChain(registry, alice, head, "root", 1);
      for (const digest of [...chain, v7]) {
        expect(await registry.latestVersion(digest)).to.equal(v7);
      }
    });

    it("keeps separate chains apart, and a plain derivative of a version starts no chain", async function () {
      const { registry, alice, bob, root } = await loadFixture(lineageFixture);
      const other = registration({
        digest: digestOf("other"),
        contributors: [{ account: bob.address, share: 1 }],
      });
      await registry.connect(bob).register(other);
      const first = await extendChain(registry, alice, root.digest, "root", 3);
      const second = await extendChain(registry, bob, other.digest, "other", 2);
      const derivative = registration({ digest: digestOf("derivative of v2"), parents: [first[1]] });
      await registry.connect(bob).register(derivative);

      for (const digest of first) expect(await registry.latestVersion(digest)).to.equal(first[3]);
      for (const digest of second) expect(await registry.latestVersion(digest)).to.equal(second[2]);
      expect(await registry.latestVersion(derivative.digest)).to.equal(derivative.digest);
    });

    it("follows the chain when the head changes owner and the new owner extends it", async function () {
      const { registry, alice, bob, root } = await loadFixture(lineageFixture);
      const chain = await extendChain(registry, alice, root.digest, "root", 2);
      await registry.connect(alice).transferFrom(alice.address, bob.address, BigInt(chain[2]));
      const [, v4] = await extendChain(registry, bob, chain[2], "root", 1);
      for (const digest of [...chain, v4]) {
        expect(await registry.latestVersion(digest)).to.equal(v4);
      }
    });
  });
});
