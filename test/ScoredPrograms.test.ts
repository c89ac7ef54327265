import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { FAR, HASH_A, HASH_U, TOKEN, deployPrograms, signProgramClaim, treeOf } from "./helpers/programs";
import type { MockERC1271Wallet } from "../typechain-types";

const WINDOW = 3600;
const URI_U = "ipfs://usage";
const URI_A = "ipfs://allocation";

async function programsFixture() {
  const [deployer, scorer, guardian, funder, alice, bob, carol, relayer, stranger, walletOwner] =
    await ethers.getSigners();
  const { programs, token } = await deployPrograms(funder.address);
  await token.connect(funder).approve(programs, ethers.MaxUint256);
  const wallet = (await ethers.deployContract("MockERC1271Wallet", [
    walletOwner.address,
  ])) as unknown as MockERC1271Wallet;
  await programs.createProgram(token, scorer, guardian, WINDOW);
  const id = 1n;
  await programs.connect(funder).fund(id, 1000n * TOKEN);
  const tree1 = treeOf([
    [alice.address, 100n * TOKEN],
    [bob.address, 50n * TOKEN],
    [await wallet.getAddress(), 10n * TOKEN],
  ]);
  return {
    deployer,
    scorer,
    guardian,
    funder,
    alice,
    bob,
    carol,
    relayer,
    stranger,
    walletOwner,
    wallet,
    programs,
    token,
    id,
    tree1,
  };
}

type F = Awaited<ReturnType<typeof programsFixture>>;

async function postAndActivate(f: F, epoch: number, tree: { root: string; total: bigint }) {
  await f.programs.connect(f.scorer).post(f.id, epoch, tree.root, tree.total, HASH_U, URI_U, HASH_A, URI_A);
  await time.increase(WINDOW);
}

describe("ScoredPrograms", function () {
  describe("createProgram", function () {
    it("creates a program with fixed roles and window, emitting ProgramCreated", async function () {
      const { programs, token, scorer, guardian, deployer } = await loadFixture(programsFixture);
      await expect(programs.createProgram(token, scorer, guardian, 60))
        .to.emit(programs, "ProgramCreated")
        .withArgs(2n, await token.getAddress(), scorer.address, guardian.address, 60n, deployer.address);
      const view = await programs.program(2n);
      expect(view.scorer).to.equal(scorer.address);
      expect(view.guardian).to.equal(guardian.address);
      expect(view.disputeWindow).to.equal(60n);
      expect(await programs.programCount()).to.equal(2n);
    });
    it("reverts when the token has no code", async function () {
      const { programs, scorer, guardian, stranger } = await loadFixture(programsFixture);
      await expect(programs.createProgram(stranger, scorer, guardian, 60))
        .to.be.revertedWithCustomError(programs, "InvalidToken")
        .withArgs(stranger.address);
    });
    it("reverts when a role is zero", async function () {
      const { programs, token, scorer } = await loadFixture(programsFixture);
      await expect(
        programs.createProgram(token, scorer, ethers.ZeroAddress, 60),
      ).to.be.revertedWithCustomError(programs, "ZeroRole");
      await expect(
        programs.createProgram(token, ethers.ZeroAddress, scorer, 60),
      ).to.be.revertedWithCustomError(programs, "ZeroRole");
    });
    it("reverts when the window is longer than MAX_DISPUTE_WINDOW", async function () {
      const { programs, token, scorer, guardian } = await loadFixture(programsFixture);
      const max = await programs.MAX_DISPUTE_WINDOW();
      await expect(programs.createProgram(token, scorer, guardian, max + 1n))
        .to.be.revertedWithCustomError(programs, "DisputeWindowTooLong")
        .withArgs(max + 1n, max);
    });
  });

  describe("roles", function () {
    it("hands the scorer role over in two steps", async function () {
      const { programs, id, scorer, carol, stranger } = await loadFixture(programsFixture);
      await expect(programs.connect(stranger).proposeScorer(id, carol))
        .to.be.revertedWithCustomError(programs, "NotScorer")
        .withArgs(id, stranger.address);
      await expect(programs.connect(scorer).proposeScorer(id, carol))
        .to.emit(programs, "ScorerProposed")
        .withArgs(id, scorer.address, carol.address);
      expect((await programs.program(id)).pendingScorer).to.equal(carol.address);
      await expect(programs.connect(stranger).acceptScorer(id))
        .to.be.revertedWithCustomError(programs, "NotPendingScorer")
        .withArgs(id, stranger.address);
      await expect(programs.connect(carol).acceptScorer(id))
        .to.emit(programs, "ScorerTransferred")
        .withArgs(id, scorer.address, carol.address);
      const view = await programs.program(id);
      expect(view.scorer).to.equal(carol.address);
      expect(view.pendingScorer).to.equal(ethers.ZeroAddress);
    });
    it("hands the guardian role over in two steps", async function () {
      const { programs, id, guardian, carol, stranger } = await loadFixture(programsFixture);
      await expect(programs.connect(stranger).proposeGuardian(id, carol))
        .to.be.revertedWithCustomError(programs, "NotGuardian")
        .withArgs(id, stranger.address);
      await expect(programs.connect(guardian).proposeGuardian(id, carol))
        .to.emit(programs, "GuardianProposed")
        .withArgs(id, guardian.address, carol.address);
      await expect(programs.connect(stranger).acceptGuardian(id))
        .to.be.revertedWithCustomError(programs, "NotPendingGuardian")
        .withArgs(id, stranger.address);
      await expect(programs.connect(carol).acceptGuardian(id))
        .to.emit(programs, "GuardianTransferred")
        .withArgs(id, guardian.address, carol.address);
      expect((await programs.program(id)).guardian).to.equal(carol.address);
    });
    it("reverts for an unknown program", async function () {
      const { programs } = await loadFixture(programsFixture);
      await expect(programs.program(9n))
        .to.be.revertedWithCustomError(programs, "UnknownProgram")
        .withArgs(9n);
      await expect(programs.acceptScorer(9n))
        .to.be.revertedWithCustomError(programs, "UnknownProgram")
        .withArgs(9n);
    });
  });

  describe("fund", function () {
    it("credits what arrived and emits ProgramFunded", async function () {
      const { programs, token, id, funder } = await loadFixture(programsFixture);
      const tx = programs.connect(funder).fund(id, 5n * TOKEN);
      await expect(tx)
        .to.emit(programs, "ProgramFunded")
        .withArgs(id, funder.address, 5n * TOKEN, 5n * TOKEN);
      await expect(tx).to.changeTokenBalances(token, [funder, programs], [-5n * TOKEN, 5n * TOKEN]);
      expect((await programs.program(id)).received).to.equal(1005n * TOKEN);
    });
    it("credits only what a fee-on-transfer token delivers", async function () {
      const { programs, scorer, guardian, funder } = await loadFixture(programsFixture);
      const fee = await ethers.deployContract("FeeOnTransferToken", [100]);
      await fee.mint(funder.address, 10n ** 24n);
      await fee.connect(funder).approve(programs, ethers.MaxUint256);
      await programs.createProgram(fee, scorer, guardian, 0);
      await expect(programs.connect(funder).fund(2n, 1000n))
        .to.emit(programs, "ProgramFunded")
        .withArgs(2n, funder.address, 1000n, 990n);
      expect((await programs.program(2n)).received).to.equal(990n);
    });
    it("reverts with NothingReceived when the token delivers nothing", async function () {
      const { programs, scorer, guardian, funder } = await loadFixture(programsFixture);
      const all = await ethers.deployContract("FeeOnTransferToken", [10_000]);
      await all.mint(funder.address, 1000n);
      await all.connect(funder).approve(programs, ethers.MaxUint256);
      await programs.createProgram(all, scorer, guardian, 0);
      await expect(programs.connect(funder).fund(2n, 1000n))
        .to.be.revertedWithCustomError(programs, "NothingReceived")
        .withArgs(2n);
    });
    it("reverts on zero, on nothing received and on an unknown program", async function () {
      const { programs, id, funder } = await loadFixture(programsFixture);
      await expect(programs.connect(funder).fund(id, 0)).to.be.revertedWithCustomError(
        programs,
        "ZeroAmount",
      );
      await expect(programs.connect(funder).fund(7n, 1))
        .to.be.revertedWithCustomError(programs, "UnknownProgram")
        .withArgs(7n);
    });
    it("funds with an ERC-2612 permit in one transaction", async function () {
      const { programs, token, id, funder, carol } = await loadFixture(programsFixture);
      await token.connect(funder).transfer(carol, 10n * TOKEN);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = {
        name: await token.name(),
        version: "1",
        chainId,
        verifyingContract: await token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const sig = ethers.Signature.from(
        await carol.signTypedData(domain, types, {
          owner: carol.address,
          spender: await programs.getAddress(),
          value: 4n * TOKEN,
          nonce: 0n,
          deadline: FAR,
        }),
      );
      await expect(programs.connect(carol).fundWithPermit(id, 4n * TOKEN, FAR, sig.v, sig.r, sig.s))
        .to.emit(programs, "ProgramFunded")
        .withArgs(id, carol.address, 4n * TOKEN, 4n * TOKEN);
    });
    it("reverts with ProgramCapacityExceeded past 2^128 - 1", async function () {
      const { programs, scorer, guardian, funder } = await loadFixture(programsFixture);
      const big = await ethers.deployContract("MockERC20", ["Big", "BIG", 18]);
      await big.mint(funder.address, 2n ** 129n);
      await big.connect(funder).approve(programs, ethers.MaxUint256);
      await programs.createProgram(big, scorer, guardian, 0);
      await programs.connect(funder).fund(2n, 2n ** 128n - 1n);
      await expect(programs.connect(funder).fund(2n, 1n))
        .to.be.revertedWithCustomError(programs, "ProgramCapacityExceeded")
        .withArgs(2n, 1n);
    });
  });

  describe("post", function () {
    it("posts a pending root and emits RootPosted with its validity", async function () {
      const { programs, scorer, id, tree1 } = await loadFixture(programsFixture);
      const tx = programs.connect(scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      const now = (await time.latest()) + 1;
      await expect(tx)
        .to.emit(programs, "RootPosted")
        .withArgs(id, 1n, tree1.root, tree1.total, BigInt(now + WINDOW), HASH_U, URI_U, HASH_A, URI_A);
      const view = await programs.program(id);
      expect(view.pendingRoot).to.equal(tree1.root);
      expect(view.pendingTotal).to.equal(tree1.total);
      expect(view.activeEpoch).to.equal(0n);
    });
    it("replaces a pending root of the same epoch and restarts the window", async function () {
      const { programs, scorer, id, tree1 } = await loadFixture(programsFixture);
      await programs.connect(scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      await time.increase(WINDOW / 2);
      const other = ethers.id("other root");
      await expect(programs.connect(scorer).post(id, 1, other, 1n, HASH_U, URI_U, HASH_A, URI_A))
        .to.emit(programs, "PendingRootReplaced")
        .withArgs(id, 1n, tree1.root);
      expect((await programs.program(id)).pendingValidAt).to.equal(BigInt((await time.latest()) + WINDOW));
    });
    it("reverts for anyone but the scorer", async function () {
      const { programs, stranger, id, tree1 } = await loadFixture(programsFixture);
      await expect(programs.connect(stranger).post(id, 1, tree1.root, 1n, HASH_U, URI_U, HASH_A, URI_A))
        .to.be.revertedWithCustomError(programs, "NotScorer")
        .withArgs(id, stranger.address);
    });
    it("reverts for a wrong epoch, a zero root, a budget above the funds and a shrinking total", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, scorer, id, tree1 } = f;
      const p = programs.connect(scorer);
      await expect(p.post(id, 2, tree1.root, 1n, HASH_U, URI_U, HASH_A, URI_A))
        .to.be.revertedWithCustomError(programs, "WrongEpoch")
        .withArgs(id, 2n, 1n);
      await expect(
        p.post(id, 1, ethers.ZeroHash, 1n, HASH_U, URI_U, HASH_A, URI_A),
      ).to.be.revertedWithCustomError(programs, "ZeroRoot");
      await expect(p.post(id, 1, tree1.root, 1001n * TOKEN, HASH_U, URI_U, HASH_A, URI_A))
        .to.be.revertedWithCustomError(programs, "BudgetExceedsFunds")
        .withArgs(id, 1001n * TOKEN, 1000n * TOKEN);
      await postAndActivate(f, 1, tree1);
      await expect(p.post(id, 2, tree1.root, tree1.total - 1n, HASH_U, URI_U, HASH_A, URI_A))
        .to.be.revertedWithCustomError(programs, "CumulativeTotalDecreased")
        .withArgs(id, tree1.total - 1n, tree1.total);
    });
    it("promotes a matured pending root before posting the next epoch", async function () {
      const f = await loadFixture(programsFixture);
      await postAndActivate(f, 1, f.tree1);
      await expect(
        f.programs.connect(f.scorer).post(f.id, 2, f.tree1.root, f.tree1.total, HASH_U, URI_U, HASH_A, URI_A),
      )
        .to.emit(f.programs, "RootActivated")
        .withArgs(f.id, 1n, f.tree1.root, f.tree1.total);
    });
  });

  describe("veto", function () {
    it("vetoes the pending root, which never pays", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, scorer, guardian, alice, id, tree1 } = f;
      await programs.connect(scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      await expect(programs.connect(guardian).veto(id, tree1.root))
        .to.emit(programs, "RootVetoed")
        .withArgs(id, 1n, tree1.root, guardian.address);
      await time.increase(WINDOW * 2);
      await expect(programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "NoActiveRoot")
        .withArgs(id);
      await expect(programs.activate(id))
        .to.be.revertedWithCustomError(programs, "NoPendingRoot")
        .withArgs(id);
      // The scorer posts epoch 1 afresh.
      await postAndActivate(f, 1, tree1);
      expect(await programs.claim.staticCall(id, alice, 100n * TOKEN, tree1.proof(alice.address))).to.equal(
        100n * TOKEN,
      );
    });
    it("reverts for anyone but the guardian, without a pending root, for another root and after the window", async function () {
      const { programs, scorer, guardian, stranger, id, tree1 } = await loadFixture(programsFixture);
      await expect(programs.connect(guardian).veto(id, tree1.root))
        .to.be.revertedWithCustomError(programs, "NoPendingRoot")
        .withArgs(id);
      await programs.connect(scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      await expect(programs.connect(stranger).veto(id, tree1.root))
        .to.be.revertedWithCustomError(programs, "NotGuardian")
        .withArgs(id, stranger.address);
      await expect(programs.connect(guardian).veto(id, HASH_A))
        .to.be.revertedWithCustomError(programs, "NotPendingRoot")
        .withArgs(id, HASH_A);
      const validAt = (await programs.program(id)).pendingValidAt;
      await time.increase(WINDOW);
      await expect(programs.connect(guardian).veto(id, tree1.root))
        .to.be.revertedWithCustomError(programs, "DisputeWindowEnded")
        .withArgs(id, validAt);
    });
  });

  describe("activate", function () {
    it("activates a matured root (anyone) and reverts while the window is open", async function () {
      const { programs, scorer, stranger, id, tree1 } = await loadFixture(programsFixture);
      await programs.connect(scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      const validAt = (await programs.program(id)).pendingValidAt;
      await expect(programs.activate(id))
        .to.be.revertedWithCustomError(programs, "DisputeWindowOpen")
        .withArgs(id, validAt);
      await time.increase(WINDOW);
      // The view already shows the matured root as active.
      expect((await programs.program(id)).activeRoot).to.equal(tree1.root);
      await expect(programs.connect(stranger).activate(id))
        .to.emit(programs, "RootActivated")
        .withArgs(id, 1n, tree1.root, tree1.total);
      const view = await programs.program(id);
      expect([view.activeEpoch, view.activeTotal, view.pendingValidAt]).to.deep.equal([1n, tree1.total, 0n]);
    });
  });

  describe("claim", function () {
    it("pays the account its amount (anyone may trigger it) and promotes the root lazily", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, token, stranger, alice, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      const tx = programs.connect(stranger).claim(id, alice, 100n * TOKEN, tree1.proof(alice.address));
      await expect(tx).to.emit(programs, "RootActivated");
      await expect(tx)
        .to.emit(programs, "RewardsClaimed")
        .withArgs(id, alice.address, alice.address, 100n * TOKEN, 100n * TOKEN);
      await expect(tx).to.changeTokenBalances(token, [alice, programs], [100n * TOKEN, -100n * TOKEN]);
      expect(await programs.claimed(id, alice)).to.equal(100n * TOKEN);
      expect((await programs.program(id)).claimed).to.equal(100n * TOKEN);
    });
    it("is cumulative: a later root pays only the difference", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, token, alice, bob, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      await programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address));
      const tree2 = treeOf([
        [alice.address, 130n * TOKEN],
        [bob.address, 60n * TOKEN],
      ]);
      await postAndActivate(f, 2, tree2);
      await expect(programs.claim(id, alice, 130n * TOKEN, tree2.proof(alice.address))).to.changeTokenBalance(
        token,
        alice,
        30n * TOKEN,
      );
      // Bob never claimed epoch 1: one claim collects both epochs.
      await expect(programs.claim(id, bob, 60n * TOKEN, tree2.proof(bob.address))).to.changeTokenBalance(
        token,
        bob,
        60n * TOKEN,
      );
    });
    it("cannot replay an older root after a newer one", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      const tree2 = treeOf([
        [alice.address, 120n * TOKEN],
        [f.bob.address, 50n * TOKEN],
      ]);
      await postAndActivate(f, 2, tree2);
      await expect(programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "InvalidProof")
        .withArgs(id, alice.address, 100n * TOKEN);
    });
    it("reverts for a wrong proof, a wrong amount, nothing left and before any root is active", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, bob, id, tree1 } = f;
      await expect(programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "NoActiveRoot")
        .withArgs(id);
      await f.programs.connect(f.scorer).post(id, 1, tree1.root, tree1.total, HASH_U, URI_U, HASH_A, URI_A);
      // Before the window ends the root does not pay.
      await expect(programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "NoActiveRoot")
        .withArgs(id);
      await time.increase(WINDOW);
      await expect(programs.claim(id, alice, 101n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "InvalidProof")
        .withArgs(id, alice.address, 101n * TOKEN);
      await expect(
        programs.claim(id, alice, 100n * TOKEN, tree1.proof(bob.address)),
      ).to.be.revertedWithCustomError(programs, "InvalidProof");
      await programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address));
      await expect(programs.claim(id, alice, 100n * TOKEN, tree1.proof(alice.address)))
        .to.be.revertedWithCustomError(programs, "NothingToClaim")
        .withArgs(id, alice.address, 100n * TOKEN, 100n * TOKEN);
      await expect(programs.claim(9n, alice, 1n, []))
        .to.be.revertedWithCustomError(programs, "UnknownProgram")
        .withArgs(9n);
    });
    it("never pays more than the active root's total (a root whose leaves exceed it)", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, bob, id } = f;
      const bad = treeOf([
        [alice.address, 80n * TOKEN],
        [bob.address, 80n * TOKEN],
      ]);
      await postAndActivate(f, 1, { root: bad.root, total: 100n * TOKEN });
      await programs.claim(id, alice, 80n * TOKEN, bad.proof(alice.address));
      await expect(programs.claim(id, bob, 80n * TOKEN, bad.proof(bob.address)))
        .to.be.revertedWithCustomError(programs, "ClaimExceedsTotal")
        .withArgs(id, 160n * TOKEN, 100n * TOKEN);
    });
    it("claimable shows what a claim would pay, and 0 for a wrong proof", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      expect(await programs.claimable(id, alice, 100n * TOKEN, tree1.proof(alice.address))).to.equal(
        100n * TOKEN,
      );
      expect(await programs.claimable(id, alice, 1n, tree1.proof(alice.address))).to.equal(0n);
      expect(await programs.leaf(alice, 100n * TOKEN)).to.equal(
        ethers.keccak256(
          ethers.keccak256(
            ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [alice.address, 100n * TOKEN]),
          ),
        ),
      );
    });
  });

  describe("claimTo", function () {
    it("sends the caller's rewards to another recipient", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, token, alice, carol, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      await expect(programs.connect(alice).claimTo(id, 100n * TOKEN, tree1.proof(alice.address), carol))
        .to.emit(programs, "RewardsClaimed")
        .withArgs(id, alice.address, carol.address, 100n * TOKEN, 100n * TOKEN);
      expect(await token.balanceOf(carol)).to.equal(100n * TOKEN);
    });
    it("reverts for the zero recipient, and for someone else's leaf", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, stranger, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      await expect(
        programs.connect(alice).claimTo(id, 100n * TOKEN, tree1.proof(alice.address), ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(programs, "InvalidRecipient");
      await expect(programs.connect(stranger).claimTo(id, 100n * TOKEN, tree1.proof(alice.address), stranger))
        .to.be.revertedWithCustomError(programs, "InvalidProof")
        .withArgs(id, stranger.address, 100n * TOKEN);
    });
  });

  describe("claimBySig", function () {
    it("pays at most maxAmount to the signed recipient, and uses the nonce", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, token, alice, carol, relayer, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      const msg = {
        programId: id,
        account: alice.address,
        recipient: carol.address,
        maxAmount: 40n * TOKEN,
        nonce: 0n,
        deadline: FAR,
      };
      const sig = await signProgramClaim(alice, programs, msg);
      await expect(
        programs
          .connect(relayer)
          .claimBySig(id, alice, 100n * TOKEN, tree1.proof(alice.address), carol, 40n * TOKEN, 0n, FAR, sig),
      )
        .to.emit(programs, "RewardsClaimed")
        .withArgs(id, alice.address, carol.address, 40n * TOKEN, 40n * TOKEN);
      expect(await token.balanceOf(carol)).to.equal(40n * TOKEN);
      expect(await programs.nonces(alice)).to.equal(1n);
      await expect(
        programs
          .connect(relayer)
          .claimBySig(id, alice, 100n * TOKEN, tree1.proof(alice.address), carol, 40n * TOKEN, 0n, FAR, sig),
      )
        .to.be.revertedWithCustomError(programs, "InvalidAccountNonce")
        .withArgs(alice.address, 1n);
    });
    it("accepts an EIP-1271 wallet's signature", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, wallet, walletOwner, carol, relayer, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      const account = await wallet.getAddress();
      const sig = await signProgramClaim(walletOwner, programs, {
        programId: id,
        account,
        recipient: carol.address,
        maxAmount: 10n * TOKEN,
        nonce: 0n,
        deadline: FAR,
      });
      await expect(
        programs
          .connect(relayer)
          .claimBySig(id, account, 10n * TOKEN, tree1.proof(account), carol, 10n * TOKEN, 0n, FAR, sig),
      )
        .to.emit(programs, "RewardsClaimed")
        .withArgs(id, account, carol.address, 10n * TOKEN, 10n * TOKEN);
    });
    it("reverts when expired, signed by someone else, or revoked with invalidateNonces", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, alice, bob, carol, relayer, id, tree1 } = f;
      await postAndActivate(f, 1, tree1);
      const past = BigInt(await time.latest());
      const msg = {
        programId: id,
        account: alice.address,
        recipient: carol.address,
        maxAmount: TOKEN,
        nonce: 0n,
        deadline: past,
      };
      await expect(
        programs
          .connect(relayer)
          .claimBySig(
            id,
            alice,
            100n * TOKEN,
            tree1.proof(alice.address),
            carol,
            TOKEN,
            0n,
            past,
            await signProgramClaim(alice, programs, msg),
          ),
      )
        .to.be.revertedWithCustomError(programs, "SignatureExpired")
        .withArgs(past);
      const byBob = await signProgramClaim(bob, programs, { ...msg, deadline: FAR });
      await expect(
        programs
          .connect(relayer)
          .claimBySig(id, alice, 100n * TOKEN, tree1.proof(alice.address), carol, TOKEN, 0n, FAR, byBob),
      )
        .to.be.revertedWithCustomError(programs, "InvalidSignature")
        .withArgs(alice.address);
      const good = await signProgramClaim(alice, programs, { ...msg, deadline: FAR });
      await expect(programs.connect(alice).invalidateNonces(5n))
        .to.emit(programs, "NoncesInvalidated")
        .withArgs(alice.address, 5n);
      await expect(
        programs
          .connect(relayer)
          .claimBySig(id, alice, 100n * TOKEN, tree1.proof(alice.address), carol, TOKEN, 0n, FAR, good),
      )
        .to.be.revertedWithCustomError(programs, "InvalidAccountNonce")
        .withArgs(alice.address, 5n);
      await expect(programs.connect(alice).invalidateNonces(5n))
        .to.be.revertedWithCustomError(programs, "NonceNotIncreased")
        .withArgs(alice.address, 5n, 5n);
    });
  });

  describe("reentrancy", function () {
    it("a token re-entering claim or fund during a claim is refused by the guard", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, scorer, guardian, funder, alice } = f;
      const reent = await ethers.deployContract("ReentrantToken");
      await reent.mint(funder.address, 1000n);
      await reent.connect(funder).approve(programs, ethers.MaxUint256);
      await programs.createProgram(reent, scorer, guardian, 0);
      await programs.connect(funder).fund(2n, 1000n);
      const t = treeOf([
        [alice.address, 600n],
        [f.bob.address, 400n],
      ]);
      await programs.connect(scorer).post(2n, 1, t.root, t.total, HASH_U, URI_U, HASH_A, URI_A);
      const again = programs.interface.encodeFunctionData("claim", [
        2n,
        f.bob.address,
        400n,
        t.proof(f.bob.address),
      ]);
      await reent.setHook(programs, again, true);
      await expect(programs.claim(2n, alice, 600n, t.proof(alice.address))).to.be.revertedWithCustomError(
        programs,
        "ReentrancyGuardReentrantCall",
      );
      const fundAgain = programs.interface.encodeFunctionData("fund", [2n, 1n]);
      await reent.setHook(programs, fundAgain, true);
      await expect(programs.claim(2n, alice, 600n, t.proof(alice.address))).to.be.revertedWithCustomError(
        programs,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("multicall", function () {
    it("claims several programs in one transaction", async function () {
      const f = await loadFixture(programsFixture);
      const { programs, token, scorer, guardian, funder, alice, id, tree1 } = f;
      await programs.createProgram(token, scorer, guardian, 0);
      await programs.connect(funder).fund(2n, 10n * TOKEN);
      const t2 = treeOf([
        [alice.address, 7n * TOKEN],
        [f.bob.address, 1n],
      ]);
      await programs.connect(scorer).post(2n, 1, t2.root, t2.total, HASH_U, URI_U, HASH_A, URI_A);
      await postAndActivate(f, 1, tree1);
      const calls = [
        programs.interface.encodeFunctionData("claim", [
          id,
          alice.address,
          100n * TOKEN,
          tree1.proof(alice.address),
        ]),
        programs.interface.encodeFunctionData("claim", [
          2n,
          alice.address,
          7n * TOKEN,
          t2.proof(alice.address),
        ]),
      ];
      await expect(programs.multicall(calls)).to.changeTokenBalance(token, alice, 107n * TOKEN);
    });
  });
});
