import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { deployRegistry, digestOf, registration, uriOfLength } from "./helpers/registry";

const BASE_URI = "https://commons.example/artifact/";

async function maintenanceFixture() {
  const [alice, bob, carol, dave] = await ethers.getSigners();
  const registry = await deployRegistry({ baseTokenURI: BASE_URI });
  const reg = registration({
    digest: digestOf("shared dataset"),
    contributors: [
      { account: bob.address, share: 600 },
      { account: carol.address, share: 400 },
    ],
  });
  await registry.connect(alice).register(reg);
  const digest = reg.digest;
  const tokenId = BigInt(digest);
  return { registry, alice, bob, carol, dave, digest, tokenId };
}

describe("KnowledgeRegistry", function () {
  describe("tokenURI", function () {
    it("returns the base URI followed by the 0x-hex digest when no URI is stored", async function () {
      const { registry, digest, tokenId } = await loadFixture(maintenanceFixture);
      expect(await registry.tokenURI(tokenId)).to.equal(BASE_URI + digest);
      expect(digest).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("keeps leading zero bytes of the digest", async function () {
      const { registry, alice } = await loadFixture(maintenanceFixture);
      const digest = "0x00000000000000000000000000000000000000000000000000000000000000ab";
      await registry.connect(alice).register(registration({ digest }));
      expect(await registry.tokenURI(BigInt(digest))).to.equal(BASE_URI + digest);
    });

    it("reverts when the token does not exist", async function () {
      const { registry } = await loadFixture(maintenanceFixture);
      const tokenId = BigInt(digestOf("missing"));
      await expect(registry.tokenURI(tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });
  });

  describe("setURI", function () {
    it("stores the URI, emits URIUpdated and tokenURI returns it", async function () {
      const { registry, alice, digest, tokenId } = await loadFixture(maintenanceFixture);
      const uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
      await expect(registry.connect(alice).setURI(digest, uri))
        .to.emit(registry, "URIUpdated")
        .withArgs(digest, uri);
      expect(await registry.tokenURI(tokenId)).to.equal(uri);

      await expect(registry.connect(alice).setURI(digest, "ar://second"))
        .to.emit(registry, "URIUpdated")
        .withArgs(digest, "ar://second");
      expect(await registry.tokenURI(tokenId)).to.equal("ar://second");
    });

    it("falls back to the base URI when the stored URI is cleared", async function () {
      const { registry, alice, digest, tokenId } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).setURI(digest, "ar://x");
      await expect(registry.connect(alice).setURI(digest, ""))
        .to.emit(registry, "URIUpdated")
        .withArgs(digest, "");
      expect(await registry.tokenURI(tokenId)).to.equal(BASE_URI + digest);
    });

    it("accepts a URI of exactly 1024 bytes", async function () {
      const { registry, alice, digest, tokenId } = await loadFixture(maintenanceFixture);
      const uri = uriOfLength(1024);
      await registry.connect(alice).setURI(digest, uri);
      expect(await registry.tokenURI(tokenId)).to.equal(uri);
    });

    it("reverts when the caller is not the owner", async function () {
      const { registry, bob, digest } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).setURI(digest, "ar://x"))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(digest, bob.address);
    });

    it("reverts when the URI is longer than 1024 bytes", async function () {
      const { registry, alice, digest, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).setURI(digest, uriOfLength(1025)))
        .to.be.revertedWithCustomError(registry, "URITooLong")
        .withArgs(1025, 1024);
      expect(await registry.tokenURI(tokenId)).to.equal(BASE_URI + digest);
    });

    it("reverts when the artifact is unknown", async function () {
      const { registry, alice } = await loadFixture(maintenanceFixture);
      const missing = digestOf("missing");
      await expect(registry.connect(alice).setURI(missing, "ar://x"))
        .to.be.revertedWithCustomError(registry, "UnknownArtifact")
        .withArgs(missing);
    });
  });

  describe("retract", function () {
    it("flags the artifact and emits ArtifactRetracted with the reason", async function () {
      const { registry, alice, digest, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).retract(digest, "licence violation"))
        .to.emit(registry, "ArtifactRetracted")
        .withArgs(digest, "licence violation");
      const info = await registry.artifact(digest);
      expect(info.retracted).to.equal(true);
      expect(await registry.economics(digest)).to.deep.equal([true, true, 0n, 1000n]);
      // History stays: the artifact, its owner and its contributors are all still there.
      expect(await registry.exists(digest)).to.equal(true);
      expect(info.owner).to.equal(alice.address);
      expect(info.totalShares).to.equal(1000n);
      expect(await registry.ownerOf(tokenId)).to.equal(alice.address);
      expect((await registry.contributors(digest)).length).to.equal(2);
    });

    it("keeps a retracted artifact usable as a parent and its digest taken", async function () {
      const { registry, alice, bob, digest } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).retract(digest, "superseded");
      await expect(registry.connect(bob).register(registration({ digest })))
        .to.be.revertedWithCustomError(registry, "ArtifactExists")
        .withArgs(digest, alice.address);
      const child = registration({ digest: digestOf("child"), parents: [digest] });
      await registry.connect(bob).register(child);
      expect(await registry.parentsOf(child.digest)).to.deep.equal([digest]);
    });

    it("reverts when the artifact is already retracted", async function () {
      const { registry, alice, digest } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).retract(digest, "first");
      await expect(registry.connect(alice).retract(digest, "second"))
        .to.be.revertedWithCustomError(registry, "AlreadyRetracted")
        .withArgs(digest);
    });

    it("reverts when the caller is not the owner", async function () {
      const { registry, bob, digest } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).retract(digest, "not mine"))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(digest, bob.address);
      expect((await registry.artifact(digest)).retracted).to.equal(false);
    });

    it("reverts when the artifact is unknown", async function () {
      const { registry, alice } = await loadFixture(maintenanceFixture);
      const missing = digestOf("missing");
      await expect(registry.connect(alice).retract(missing, "x"))
        .to.be.revertedWithCustomError(registry, "UnknownArtifact")
        .withArgs(missing);
    });
  });

  describe("transferFrom", function () {
    it("moves ownership and balances, and maintenance rights follow the token", async function () {
      const { registry, alice, dave, digest, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).transferFrom(alice.address, dave.address, tokenId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, dave.address, tokenId);

      expect(await registry.ownerOf(tokenId)).to.equal(dave.address);
      expect((await registry.artifact(digest)).owner).to.equal(dave.address);
      expect(await registry.balanceOf(alice.address)).to.equal(0n);
      expect(await registry.balanceOf(dave.address)).to.equal(1n);

      await expect(registry.connect(alice).setURI(digest, "ar://old-owner"))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(digest, alice.address);
      await expect(registry.connect(alice).retract(digest, "old owner"))
        .to.be.revertedWithCustomError(registry, "NotArtifactOwner")
        .withArgs(digest, alice.address);
      await expect(registry.connect(dave).setURI(digest, "ar://new-owner"))
        .to.emit(registry, "URIUpdated")
        .withArgs(digest, "ar://new-owner");
      await expect(registry.connect(dave).retract(digest, "new owner"))
        .to.emit(registry, "ArtifactRetracted")
        .withArgs(digest, "new owner");
    });

    it("leaves the contributor slots untouched", async function () {
      const { registry, alice, bob, carol, dave, digest, tokenId } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).transferFrom(alice.address, dave.address, tokenId);
      expect(await registry.contributors(digest)).to.deep.equal([
        [bob.address, 600n],
        [carol.address, 400n],
      ]);
      expect(await registry.shareOf(digest, dave.address)).to.equal(0n);
    });

    it("lets an approved account transfer and clears the approval", async function () {
      const { registry, alice, carol, dave, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).approve(carol.address, tokenId))
        .to.emit(registry, "Approval")
        .withArgs(alice.address, carol.address, tokenId);
      expect(await registry.getApproved(tokenId)).to.equal(carol.address);

      await registry.connect(carol).transferFrom(alice.address, dave.address, tokenId);
      expect(await registry.ownerOf(tokenId)).to.equal(dave.address);
      expect(await registry.getApproved(tokenId)).to.equal(ethers.ZeroAddress);
      await expect(registry.connect(carol).transferFrom(dave.address, carol.address, tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(carol.address, tokenId);
    });

    it("clears the approval when the owner transfers", async function () {
      const { registry, alice, carol, dave, tokenId } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).approve(carol.address, tokenId);
      await registry.connect(alice).transferFrom(alice.address, dave.address, tokenId);
      expect(await registry.getApproved(tokenId)).to.equal(ethers.ZeroAddress);
    });

    it("lets an operator transfer", async function () {
      const { registry, alice, carol, dave, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).setApprovalForAll(carol.address, true))
        .to.emit(registry, "ApprovalForAll")
        .withArgs(alice.address, carol.address, true);
      await registry.connect(carol).transferFrom(alice.address, dave.address, tokenId);
      expect(await registry.ownerOf(tokenId)).to.equal(dave.address);
    });

    it("moves the token to the same owner without changing the balance", async function () {
      const { registry, alice, tokenId } = await loadFixture(maintenanceFixture);
      await registry.connect(alice).transferFrom(alice.address, alice.address, tokenId);
      expect(await registry.ownerOf(tokenId)).to.equal(alice.address);
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
    });

    it("reverts when the caller is neither owner nor approved", async function () {
      const { registry, alice, bob, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).transferFrom(alice.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(bob.address, tokenId);
    });

    it("reverts when `from` is not the owner", async function () {
      const { registry, alice, bob, dave, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).transferFrom(bob.address, dave.address, tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721IncorrectOwner")
        .withArgs(bob.address, tokenId, alice.address);
    });

    it("reverts when the receiver is the zero address", async function () {
      const { registry, alice, tokenId } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(alice).transferFrom(alice.address, ethers.ZeroAddress, tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts when the token does not exist", async function () {
      const { registry, alice } = await loadFixture(maintenanceFixture);
      const tokenId = BigInt(digestOf("missing"));
      await expect(registry.connect(alice).transferFrom(alice.address, alice.address, tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });
  });

  describe("safeTransferFrom", function () {
    it("moves the token to an EOA", async function () {
      const { registry, alice, dave, tokenId } = await loadFixture(maintenanceFixture);
      await expect(
        registry
          .connect(alice)
          ["safeTransferFrom(address,address,uint256)"](alice.address, dave.address, tokenId),
      )
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, dave.address, tokenId);
      expect(await registry.ownerOf(tokenId)).to.equal(dave.address);
    });

    it("reverts when the receiving contract does not accept ERC-721 tokens", async function () {
      const { registry, alice, tokenId } = await loadFixture(maintenanceFixture);
      const receiver = await ethers.deployContract("MockERC1271Wallet", [alice.address]);
      const to = await receiver.getAddress();
      await expect(
        registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, to, tokenId),
      )
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(to);
      expect(await registry.ownerOf(tokenId)).to.equal(alice.address);
    });
  });

  describe("ownerOf", function () {
    it("reverts when the token does not exist", async function () {
      const { registry } = await loadFixture(maintenanceFixture);
      const tokenId = BigInt(digestOf("missing"));
      await expect(registry.ownerOf(tokenId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });
  });

  describe("balanceOf", function () {
    it("reverts for the zero address", async function () {
      const { registry } = await loadFixture(maintenanceFixture);
      await expect(registry.balanceOf(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("moveSlot", function () {
    it("moves the slot with its share and emits ContributorSlotMoved", async function () {
      const { registry, alice, bob, carol, dave, digest } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).moveSlot(digest, 0, dave.address))
        .to.emit(registry, "ContributorSlotMoved")
        .withArgs(digest, 0, bob.address, dave.address);

      expect(await registry.shareOf(digest, dave.address)).to.equal(600n);
      expect(await registry.shareOf(digest, bob.address)).to.equal(0n);
      expect(await registry.slotOf(digest, dave.address)).to.deep.equal([true, 0n]);
      expect(await registry.slotOf(digest, bob.address)).to.deep.equal([false, 0n]);
      expect(await registry.contributorAt(digest, 0)).to.deep.equal([dave.address, 600n, 1000n]);
      expect(await registry.slotHolder(digest, 0)).to.deep.equal([dave.address, 600n]);
      expect(await registry.contributors(digest)).to.deep.equal([
        [dave.address, 600n],
        [carol.address, 400n],
      ]);
      expect(await registry.totalShares(digest)).to.equal(1000n);
      // Ownership is a separate right and does not move with a slot.
      expect(await registry.ownerOf(BigInt(digest))).to.equal(alice.address);
    });

    it("lets the new holder move the slot again", async function () {
      const { registry, bob, carol, dave, digest } = await loadFixture(maintenanceFixture);
      await registry.connect(carol).moveSlot(digest, 1, dave.address);
      await expect(registry.connect(dave).moveSlot(digest, 1, bob.address))
        .to.be.revertedWithCustomError(registry, "AlreadyContributor")
        .withArgs(digest, bob.address);
      const [, , , , fresh] = await ethers.getSigners();
      await expect(registry.connect(dave).moveSlot(digest, 1, fresh.address))
        .to.emit(registry, "ContributorSlotMoved")
        .withArgs(digest, 1, dave.address, fresh.address);
      expect(await registry.slotOf(digest, fresh.address)).to.deep.equal([true, 1n]);
      expect(await registry.shareOf(digest, fresh.address)).to.equal(400n);
    });

    it("reverts when the slot does not exist", async function () {
      const { registry, bob, dave, digest } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).moveSlot(digest, 2, dave.address))
        .to.be.revertedWithCustomError(registry, "UnknownSlot")
        .withArgs(digest, 2);
    });

    it("reverts when the artifact is unknown", async function () {
      const { registry, bob, dave } = await loadFixture(maintenanceFixture);
      const missing = digestOf("missing");
      await expect(registry.connect(bob).moveSlot(missing, 0, dave.address))
        .to.be.revertedWithCustomError(registry, "UnknownArtifact")
        .withArgs(missing);
    });

    it("reverts when the caller does not hold the slot", async function () {
      const { registry, alice, bob, carol, dave, digest } = await loadFixture(maintenanceFixture);
      // Another contributor, the artifact owner and a stranger all fail.
      for (const caller of [carol, alice, dave]) {
        await expect(registry.connect(caller).moveSlot(digest, 0, caller.address))
          .to.be.revertedWithCustomError(registry, "NotSlotHolder")
          .withArgs(digest, 0, caller.address);
      }
      expect(await registry.slotOf(digest, bob.address)).to.deep.equal([true, 0n]);
    });

    it("reverts when the old account tries to move the slot after it moved", async function () {
      const { registry, bob, dave, digest } = await loadFixture(maintenanceFixture);
      await registry.connect(bob).moveSlot(digest, 0, dave.address);
      await expect(registry.connect(bob).moveSlot(digest, 0, bob.address))
        .to.be.revertedWithCustomError(registry, "NotSlotHolder")
        .withArgs(digest, 0, bob.address);
    });

    it("reverts when the new account is the zero address", async function () {
      const { registry, bob, digest } = await loadFixture(maintenanceFixture);
      await expect(
        registry.connect(bob).moveSlot(digest, 0, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(registry, "MoveToZeroAddress");
    });

    it("reverts when the new account already holds a slot", async function () {
      const { registry, bob, carol, digest } = await loadFixture(maintenanceFixture);
      await expect(registry.connect(bob).moveSlot(digest, 0, carol.address))
        .to.be.revertedWithCustomError(registry, "AlreadyContributor")
        .withArgs(digest, carol.address);
      await expect(registry.connect(bob).moveSlot(digest, 0, bob.address))
        .to.be.revertedWithCustomError(registry, "AlreadyContributor")
        .withArgs(digest, bob.address);
    });
  });
});
