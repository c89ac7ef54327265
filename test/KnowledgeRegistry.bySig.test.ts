import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import {
  DigestScheme,
  REGISTER_TYPES,
  commitmentOf,
  deployRegistry,
  digestOf,
  registeredArgs,
  registration,
  signRegistration,
} from "./helpers/registry";
import { registerTypedData, registryDomain } from "../src/typedData";

const HOUR = 3600n;

async function bySigFixture() {
  const [alice, bob, relayer, walletOwner, stranger] = await ethers.getSigners();
  const registry = await deployRegistry();
  const guardedRegistry = await deployRegistry({ minCommitAge: 60n, maxCommitAge: HOUR });
  const wallet = await ethers.deployContract("MockERC1271Wallet", [walletOwner.address]);
  const reg = registration({
    digest: digestOf("signed dataset"),
    uri: "ipfs://bafkreisigned",
    contributors: [
      { account: alice.address, share: 3 },
      { account: bob.address, share: 1 },
    ],
    secret: ethers.id("signed secret"),
  });
  const deadline = BigInt(await time.latest()) + HOUR;
  return { registry, guardedRegistry, wallet, alice, bob, relayer, walletOwner, stranger, reg, deadline };
}

describe("KnowledgeRegistry", function () {
  describe("registerBySig", function () {
    it("registers for the signer while the relayer pays, and uses the signer's nonce", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice.address, 0, deadline);
      const aliceBefore = await ethers.provider.getBalance(alice.address);
      const relayerBefore = await ethers.provider.getBalance(relayer.address);

      const tx = registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature);
      await expect(tx)
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(reg, alice.address))
        .and.to.emit(registry, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, BigInt(reg.digest));
      const receipt = await (await tx).wait();

      expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(alice.address);
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
      expect(await registry.balanceOf(relayer.address)).to.equal(0n);
      expect(await registry.nonces(alice.address)).to.equal(1n);
      expect(await registry.nonces(relayer.address)).to.equal(0n);
      expect(await ethers.provider.getBalance(alice.address)).to.equal(aliceBefore);
      expect(await ethers.provider.getBalance(relayer.address)).to.equal(relayerBefore - receipt!.fee);
    });

    it("accepts the next nonce for the next request", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      await registry
        .connect(relayer)
        .registerBySig(
          reg,
          alice.address,
          0,
          deadline,
          await signRegistration(alice, registry, reg, alice, 0, deadline),
        );
      const second = registration({ digest: digestOf("second"), parents: [reg.digest], upstreamBps: 100 });
      const signature = await signRegistration(alice, registry, second, alice, 1, deadline);
      await expect(registry.connect(relayer).registerBySig(second, alice.address, 1, deadline, signature))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(second, alice.address));
      expect(await registry.nonces(alice.address)).to.equal(2n);
    });

    it("succeeds at exactly the deadline", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice, 0, deadline);
      await time.setNextBlockTimestamp(deadline);
      await registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature);
      expect(await registry.exists(reg.digest)).to.equal(true);
    });

    it("uses the domain the contract reports (ERC-5267) and the exported types", async function () {
      const { registry } = await loadFixture(bySigFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const [, name, version, reportedChainId, verifyingContract] = await registry.eip712Domain();
      const domain = registryDomain(chainId, await registry.getAddress());
      expect([name, version, reportedChainId, verifyingContract]).to.deep.equal([
        domain.name,
        domain.version,
        chainId,
        domain.verifyingContract,
      ]);
      expect(ethers.TypedDataEncoder.from(REGISTER_TYPES).encodeType("Register")).to.equal(
        "Register(bytes32 digest,uint8 kind,uint8 scheme,string uri,Contributor[] contributors,bytes32[] parents," +
          "uint16 upstreamBps,uint16 minUpstreamBps,bytes32 secret,address registrant,uint256 nonce," +
          "uint256 deadline)Contributor(address account,uint32 share)",
      );
    });

    it("reverts when the deadline has passed", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice, 0, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "SignatureExpired")
        .withArgs(deadline);
      expect(await registry.nonces(alice.address)).to.equal(0n);
    });

    it("reverts when the request is replayed", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice, 0, deadline);
      await registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "InvalidAccountNonce")
        .withArgs(alice.address, 1);
    });

    it("reverts when the nonce is not the signer's current nonce", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice, 1, deadline);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 1, deadline, signature))
        .to.be.revertedWithCustomError(registry, "InvalidAccountNonce")
        .withArgs(alice.address, 0);
    });

    it("reverts when any signed field is altered", async function () {
      const { registry, alice, bob, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const parent = registration({ digest: digestOf("parent") });
      await registry.connect(bob).register(parent);
      const signature = await signRegistration(alice, registry, reg, alice, 0, deadline);
      const altered = [
        { ...reg, digest: digestOf("other") },
        { ...reg, kind: reg.kind + 1 },
        { ...reg, scheme: DigestScheme.UnixFs },
        { ...reg, uri: reg.uri + "x" },
        { ...reg, contributors: [{ ...reg.contributors[0], share: 4 }, reg.contributors[1]] },
        { ...reg, contributors: [reg.contributors[1], reg.contributors[0]] },
        { ...reg, contributors: [{ account: bob.address, share: 3 }, reg.contributors[1]].slice(0, 1) },
        { ...reg, parents: [parent.digest] },
        { ...reg, parents: [parent.digest], upstreamBps: 1 },
        { ...reg, minUpstreamBps: 1 },
        { ...reg, secret: ethers.ZeroHash },
      ];
      for (const changed of altered) {
        await expect(registry.connect(relayer).registerBySig(changed, alice.address, 0, deadline, signature))
          .to.be.revertedWithCustomError(registry, "InvalidSignature")
          .withArgs(alice.address);
      }
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline + 1n, signature))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(alice.address);
      // Claiming the signature as someone else's changes the registrant.
      await expect(registry.connect(relayer).registerBySig(reg, bob.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(bob.address);
      expect(await registry.nonces(alice.address)).to.equal(0n);
      expect(await registry.exists(reg.digest)).to.equal(false);
    });

    it("signs the digest scheme: a signature over one scheme registers that scheme and fails for another", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const manifest = { ...reg, scheme: DigestScheme.Manifest };
      const signature = await signRegistration(alice, registry, manifest, alice, 0, deadline);
      for (const scheme of [DigestScheme.Raw, DigestScheme.UnixFs]) {
        await expect(
          registry.connect(relayer).registerBySig({ ...reg, scheme }, alice.address, 0, deadline, signature),
        )
          .to.be.revertedWithCustomError(registry, "InvalidSignature")
          .withArgs(alice.address);
      }
      await expect(registry.connect(relayer).registerBySig(manifest, alice.address, 0, deadline, signature))
        .to.emit(registry, "ArtifactRegistered")
        .withArgs(...registeredArgs(manifest, alice.address));
      expect((await registry.artifact(reg.digest)).scheme).to.equal(BigInt(DigestScheme.Manifest));
    });

    it("reverts when someone else signed", async function () {
      const { registry, alice, stranger, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(stranger, registry, reg, alice, 0, deadline);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(alice.address);
    });

    it("reverts when the signature was made for another deployment", async function () {
      const { registry, guardedRegistry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, guardedRegistry, reg, alice, 0, deadline);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(alice.address);

      const { chainId } = await ethers.provider.getNetwork();
      const data = registerTypedData(registryDomain(chainId + 1n, await registry.getAddress()), {
        ...reg,
        registrant: alice.address,
        nonce: 0,
        deadline,
      });
      const otherChain = await alice.signTypedData(data.domain, data.types, data.message);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, otherChain))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(alice.address);
    });

    it("reverts when the signature is malformed", async function () {
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      for (const signature of ["0x", "0x1234", ethers.hexlify(new Uint8Array(65))]) {
        await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature))
          .to.be.revertedWithCustomError(registry, "InvalidSignature")
          .withArgs(alice.address);
      }
    });

    it("reverts when the signature is a compact 64-byte (ERC-2098) one", async function () {
      // OpenZeppelin 5's ECDSA.tryRecover(hash, bytes) accepts 65-byte signatures only.
      const { registry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
      const signature = await signRegistration(alice, registry, reg, alice, 0, deadline);
      const compact = ethers.Signature.from(signature).compactSerialized;
      expect(ethers.dataLength(compact)).to.equal(64);
      await expect(registry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, compact))
        .to.be.revertedWithCustomError(registry, "InvalidSignature")
        .withArgs(alice.address);
    });

    it("still rejects bad input after a valid signature", async function () {
      const { registry, alice, relayer, deadline } = await loadFixture(bySigFixture);
      const bad = registration({ contributors: [{ account: alice.address, share: 0 }] });
      const signature = await signRegistration(alice, registry, bad, alice, 0, deadline);
      await expect(registry.connect(relayer).registerBySig(bad, alice.address, 0, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ZeroShare")
        .withArgs(alice.address);
      expect(await registry.nonces(alice.address)).to.equal(0n);
    });

    describe("with an EIP-1271 contract wallet", function () {
      it("registers for the wallet when its owner signed", async function () {
        const { registry, wallet, walletOwner, relayer, reg, deadline } = await loadFixture(bySigFixture);
        const registrant = await wallet.getAddress();
        const signature = await signRegistration(walletOwner, registry, reg, registrant, 0, deadline);
        await expect(registry.connect(relayer).registerBySig(reg, registrant, 0, deadline, signature))
          .to.emit(registry, "ArtifactRegistered")
          .withArgs(...registeredArgs(reg, registrant));
        expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(registrant);
        expect(await registry.nonces(registrant)).to.equal(1n);
        expect(await registry.nonces(walletOwner.address)).to.equal(0n);
      });

      it("reverts when another EOA signed", async function () {
        const { registry, wallet, stranger, relayer, reg, deadline } = await loadFixture(bySigFixture);
        const registrant = await wallet.getAddress();
        const signature = await signRegistration(stranger, registry, reg, registrant, 0, deadline);
        await expect(registry.connect(relayer).registerBySig(reg, registrant, 0, deadline, signature))
          .to.be.revertedWithCustomError(registry, "InvalidSignature")
          .withArgs(registrant);
      });

      it("reverts when the owner signed a request for itself instead of the wallet", async function () {
        const { registry, wallet, walletOwner, relayer, reg, deadline } = await loadFixture(bySigFixture);
        const registrant = await wallet.getAddress();
        const signature = await signRegistration(walletOwner, registry, reg, walletOwner, 0, deadline);
        await expect(registry.connect(relayer).registerBySig(reg, registrant, 0, deadline, signature))
          .to.be.revertedWithCustomError(registry, "InvalidSignature")
          .withArgs(registrant);
      });
    });

    describe("with commit-reveal on", function () {
      it("requires the commitment of the signer, not of the relayer", async function () {
        const { guardedRegistry, alice, relayer, reg, deadline } = await loadFixture(bySigFixture);
        const signature = await signRegistration(alice, guardedRegistry, reg, alice, 0, deadline);
        const signerCommitment = commitmentOf(reg.digest, alice.address, reg.secret);
        await expect(
          guardedRegistry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature),
        )
          .to.be.revertedWithCustomError(guardedRegistry, "CommitmentNotFound")
          .withArgs(signerCommitment);

        const relayerCommitment = commitmentOf(reg.digest, relayer.address, reg.secret);
        await guardedRegistry.connect(relayer).commit(relayerCommitment);
        await time.increase(60);
        await expect(
          guardedRegistry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature),
        )
          .to.be.revertedWithCustomError(guardedRegistry, "CommitmentNotFound")
          .withArgs(signerCommitment);

        // The relayer can send the signer's commitment too: it binds the signer, not the sender.
        await guardedRegistry.connect(relayer).commit(signerCommitment);
        await time.increase(60);
        await expect(
          guardedRegistry.connect(relayer).registerBySig(reg, alice.address, 0, deadline, signature),
        )
          .to.emit(guardedRegistry, "ArtifactRegistered")
          .withArgs(...registeredArgs(reg, alice.address, signerCommitment));
        expect(await guardedRegistry.commitments(signerCommitment)).to.equal(ethers.MaxUint256);
        expect(await guardedRegistry.nonces(alice.address)).to.equal(1n);
      });
    });
  });
});
