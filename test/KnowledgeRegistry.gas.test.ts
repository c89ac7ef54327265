import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Signer } from "ethers";

import {
  type Registration,
  digestOf,
  deployRegistry,
  registration,
  signRegistration,
} from "./helpers/registry";
import type { KnowledgeRegistry } from "../typechain-types";

/** Budgets from issue 3, whole-transaction gasUsed on the in-process network. */
const BUDGET = {
  register1: 95_000n,
  register8x2: 320_000n,
  bySigOverRegister: 15_000n,
};

/** A real CIDv1 (raw, sha2-256, base32): "ipfs://" + 59 characters = 66. */
const URI_66 = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const DEADLINE = 2n ** 40n;

const figures: { operation: string; gas: bigint; budget?: bigint }[] = [];

function record(operation: string, gas: bigint, budget?: bigint): bigint {
  figures.push({ operation, gas, budget });
  return gas;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

/** Registers `count` versions after `first`, each extending the one before; returns the chain, `first` included. */
async function versionChain(
  registry: KnowledgeRegistry,
  owner: Signer,
  first: string,
  count: number,
): Promise<string[]> {
  const chain = [first];
  for (let i = 0; i < count; i++) {
    const previous = chain[chain.length - 1];
    const next = registration({ digest: digestOf(`${first} version ${i + 2}`), parents: [previous] });
    await registry.connect(owner).registerVersion(previous, next);
    chain.push(next.digest);
  }
  return chain;
}

function account(i: number): string {
  return ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x2000 + i), 20));
}

/**
 * Alice already owns two artifacts and has used one registerBySig nonce; Bob owns one artifact and has never
 * signed a request. Every measurement starts from this state.
 */
async function gasFixture() {
  const [alice, bob, relayer, newcomer, ...others] = await ethers.getSigners();
  const registry = await deployRegistry();
  const first = registration({
    digest: digestOf("alice first"),
    contributors: [{ account: alice.address, share: 1 }],
  });
  await registry.connect(alice).register(first);
  const second = registration({ digest: digestOf("alice second"), minUpstreamBps: 500 });
  const signature = await signRegistration(alice, registry, second, alice, 0, DEADLINE);
  await registry.connect(relayer).registerBySig(second, alice.address, 0, DEADLINE, signature);
  await registry.connect(bob).register(registration({ digest: digestOf("bob first") }));
  return { registry, alice, bob, relayer, newcomer, others, parents: [first.digest, second.digest] };
}

function probe(contributor: string): Registration {
  return registration({
    digest: digestOf("gas probe"),
    kind: 1,
    uri: URI_66,
    contributors: [{ account: contributor, share: 10_000 }],
  });
}

describe("KnowledgeRegistry", function () {
  describe("gas", function () {
    let register1 = 0n;

    before(function () {
      // Coverage instruments the bytecode, so its gas figures mean nothing.
      if (process.env.SOLIDITY_COVERAGE) this.skip();
    });

    after(function () {
      if (figures.length === 0) return;
      const width = Math.max(...figures.map((f) => f.operation.length));
      const lines = figures.map(
        ({ operation, gas, budget }) =>
          `| ${operation.padEnd(width)} | ${gas.toString().padStart(7)} | ${(budget?.toString() ?? "").padStart(7)} |`,
      );
      console.log(
        [
          "",
          "KnowledgeRegistry gas (whole-transaction gasUsed, in-process network)",
          `| ${"operation".padEnd(width)} | gasUsed |  budget |`,
          `|${"-".repeat(width + 2)}|--------:|--------:|`,
          ...lines,
        ].join("\n"),
      );
    });

    it("register: 1 contributor, 66-character URI, registrant already owns an artifact ≤ 95,000", async function () {
      const { registry, alice, newcomer } = await loadFixture(gasFixture);
      expect(URI_66.length).to.equal(66);
      register1 = record(
        "register 1c, 66-char URI, owner has artifacts",
        await gasOf(registry.connect(alice).register(probe(alice.address))),
        BUDGET.register1,
      );
      expect(register1).to.be.lte(BUDGET.register1);

      await loadFixture(gasFixture);
      record(
        "register 1c, 66-char URI, first artifact of the account",
        await gasOf(registry.connect(newcomer).register(probe(newcomer.address))),
      );
    });

    it("register: 8 contributors and 2 parents ≤ 320,000", async function () {
      const { registry, alice, parents } = await loadFixture(gasFixture);
      const reg = registration({
        digest: digestOf("gas probe 8x2"),
        kind: 1,
        uri: URI_66,
        contributors: Array.from({ length: 8 }, (_, i) => ({ account: account(i), share: 1250 })),
        parents,
        upstreamBps: 1000,
        // The second parent asks 500 of its derivatives, so this one must ask at least as much.
        minUpstreamBps: 500,
      });
      const gas = record(
        "register 8c + 2p, 66-char URI",
        await gasOf(registry.connect(alice).register(reg)),
        BUDGET.register8x2,
      );
      expect(gas).to.be.lte(BUDGET.register8x2);
    });

    it("registerBySig: 1 contributor ≤ the matching register + 15,000", async function () {
      const { registry, alice, relayer } = await loadFixture(gasFixture);
      if (register1 === 0n) {
        register1 = await gasOf(registry.connect(alice).register(probe(alice.address)));
        await loadFixture(gasFixture);
      }
      const reg = probe(alice.address);
      const signature = await signRegistration(alice, registry, reg, alice, 1, DEADLINE);
      const budget = register1 + BUDGET.bySigOverRegister;
      const gas = record(
        "registerBySig 1c, nonce used before",
        await gasOf(registry.connect(relayer).registerBySig(reg, alice.address, 1, DEADLINE, signature)),
        budget,
      );
      expect(gas).to.be.lte(budget);
    });

    it("registerBySig: first nonce of a signer (logged, no budget)", async function () {
      const { registry, bob, relayer } = await loadFixture(gasFixture);
      const reg = probe(bob.address);
      const signature = await signRegistration(bob, registry, reg, bob, 0, DEADLINE);
      const gas = record(
        "registerBySig 1c, first nonce of the signer",
        await gasOf(registry.connect(relayer).registerBySig(reg, bob.address, 0, DEADLINE, signature)),
      );
      expect(await registry.nonces(bob.address)).to.equal(1n);
      expect(gas).to.be.gt(0n);
    });

    it("registerBySig: EIP-1271 wallet, first nonce (logged, no budget)", async function () {
      const { registry, bob, relayer } = await loadFixture(gasFixture);
      const wallet = await ethers.deployContract("MockERC1271Wallet", [bob.address]);
      const registrant = await wallet.getAddress();
      const reg = probe(registrant);
      const signature = await signRegistration(bob, registry, reg, registrant, 0, DEADLINE);
      record(
        "registerBySig 1c, EIP-1271 wallet, first nonce",
        await gasOf(registry.connect(relayer).registerBySig(reg, registrant, 0, DEADLINE, signature)),
      );
      expect(await registry.ownerOf(BigInt(reg.digest))).to.equal(registrant);
    });

    it("register costs the same after 1 and after 200 prior registrations by others", async function () {
      const measureAfter = async (prior: number): Promise<bigint> => {
        const { registry, alice, others } = await loadFixture(gasFixture);
        for (let i = 0; i < prior; i++) {
          const registrant = others[i % others.length];
          await registry
            .connect(registrant)
            .register(registration({ digest: digestOf(`prior ${i}`), uri: URI_66 }));
        }
        expect(await registry.exists(digestOf(`prior ${prior - 1}`))).to.equal(true);
        return gasOf(registry.connect(alice).register(probe(alice.address)));
      };
      const after1 = record("register 1c after 1 prior registration", await measureAfter(1));
      const after200 = record("register 1c after 200 prior registrations", await measureAfter(200));
      expect(after200).to.equal(after1);
    });

    it("latestVersion costs the same for chains of 1 and 50 versions (estimateGas on the view)", async function () {
      const { registry, alice } = await loadFixture(gasFixture);
      const [lone, rootOf2, rootOf50] = ["gas lone", "gas chain of 2", "gas chain of 50"].map(digestOf);
      for (const digest of [lone, rootOf2, rootOf50])
        await registry.connect(alice).register(registration({ digest }));
      const [, headOf2] = await versionChain(registry, alice, rootOf2, 1);
      const chain = await versionChain(registry, alice, rootOf50, 49);
      expect(chain).to.have.length(50);
      expect(await registry.latestVersion(chain[0])).to.equal(chain[49]);

      const gasFrom = async (operation: string, digest: string) =>
        record(`${operation} (estimateGas)`, await registry.latestVersion.estimateGas(digest));
      const alone = await gasFrom("latestVersion, chain of 1", lone);
      const fromRoot = await gasFrom("latestVersion from the root, chain of 50", chain[0]);
      // A version reads one more slot (its chain's root) than a root does, whatever the chain's length.
      const fromShortHead = await gasFrom("latestVersion from the head, chain of 2", headOf2);
      const fromMiddle = await gasFrom("latestVersion from version 25, chain of 50", chain[24]);
      const fromHead = await gasFrom("latestVersion from the head, chain of 50", chain[49]);

      // Within a few hundred gas: the calldata of two digests differs in its zero bytes.
      const SLACK = 300;
      expect(Number(fromRoot)).to.be.closeTo(Number(alone), SLACK);
      expect(Number(fromMiddle)).to.be.closeTo(Number(fromShortHead), SLACK);
      expect(Number(fromHead)).to.be.closeTo(Number(fromShortHead), SLACK);
    });
  });
});
