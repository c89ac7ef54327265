/**
 * Gas of the scored-programs operations users pay for, measured on the in-process Hardhat network (whole-
 * transaction receipt gasUsed), shared by `npm run bench:epochs-gas` (bench/epochs-gas.ts, which writes the
 * snapshot) and test/ScoredPrograms.gas.test.ts (which asserts bench/epochs-budgets.json).
 *
 * The "2^20-leaf tree": a claim's cost depends on the tree only through its proof length, so the two claimants'
 * leaves sit side by side under 19 random sibling hashes, a root no cheaper to prove against than a real
 * 1,048,576-leaf tree (test/ScoredPrograms.gas.test.ts also claims from a real 2^12-leaf tree built by src/epochs).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner as Signer } from "@nomicfoundation/hardhat-ethers/signers";

import { hashPairInto, leafHex } from "../src/epochs/merkle";

export type EpochGas = Record<string, number>;

const TOKEN = 10n ** 18n;
const HASH = "0x" + "ab".repeat(32);
const URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

function pair(a: string, b: string): string {
  const out = new Uint8Array(32);
  hashPairInto(Buffer.from(a.slice(2), "hex"), 0, Buffer.from(b.slice(2), "hex"), 0, out, 0);
  return `0x${Buffer.from(out).toString("hex")}`;
}

/** A root over two sibling leaves and `depth - 1` more levels of random siblings, with both proofs. */
export function syntheticTree(
  hre: HardhatRuntimeEnvironment,
  a: [string, bigint],
  b: [string, bigint],
  depth: number,
  salt: string,
): { root: string; proofA: string[]; proofB: string[] } {
  const la = leafHex(a[0], a[1]);
  const lb = leafHex(b[0], b[1]);
  let node = pair(la, lb);
  const upper: string[] = [];
  for (let i = 1; i < depth; i++) {
    const sibling = hre.ethers.id(`${salt}:${i}`);
    upper.push(sibling);
    node = pair(node, sibling);
  }
  return { root: node, proofA: [lb, ...upper], proofB: [la, ...upper] };
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return Number(receipt.gasUsed);
}

/** Measures every operation; `depths` adds `claim.repeat.depth<N>` for the log2 growth check. */
export async function measureEpochGas(
  hre: HardhatRuntimeEnvironment,
  depths: number[] = [4, 10, 20],
): Promise<EpochGas> {
  const { ethers } = hre;
  const { time, setBalance } = await import("@nomicfoundation/hardhat-network-helpers");
  const [deployer, scorer, guardian, holder] = await ethers.getSigners();
  const results: EpochGas = {};
  const fresh = async (label: string): Promise<Signer> => {
    const address = ethers.getAddress(ethers.dataSlice(ethers.id(`epochs-bench:${label}`), 12));
    await setBalance(address, 10n ** 20n);
    return ethers.getImpersonatedSigner(address);
  };

  const token = await ethers.deployContract("CommunityToken", [
    "Bench",
    "BNC",
    deployer.address,
    10n ** 9n * TOKEN,
  ]);
  const programs = await ethers.deployContract("ScoredPrograms", []);
  const programsAddress = await programs.getAddress();
  await (await token.approve(programsAddress, 10n ** 8n * TOKEN)).wait();
  // The holder already holds tokens, as a repeat claimant does.
  await (await token.transfer(holder.address, TOKEN)).wait();

  results["program.create"] = await gasOf(
    programs.createProgram(await token.getAddress(), scorer.address, guardian.address, 3600),
  );
  const id = 1n;
  results["program.fund"] = await gasOf(programs.fund(id, 1000n * TOKEN));

  const claimant = await fresh("first claimant");
  // Epoch 1: the holder and the fresh claimant in one 2^20-deep tree.
  const e1 = syntheticTree(hre, [holder.address, 10n * TOKEN], [claimant.address, 7n * TOKEN], 20, "e1");
  const post = (epoch: number, root: string, total: bigint) =>
    programs.connect(scorer).post(id, epoch, root, total, HASH, URI, HASH, URI);
  results["post.first"] = await gasOf(post(1, e1.root, 17n * TOKEN));
  // Replacing the pending root restarts the window.
  results["post.replace"] = await gasOf(post(1, e1.root, 17n * TOKEN));
  await time.increase(3601);
  results["activate"] = await gasOf(programs.activate(id));
  // The holder's first claim (it already holds tokens).
  results["claim.first.holder"] = await gasOf(programs.claim(id, holder.address, 10n * TOKEN, e1.proofA));
  if ((await token.balanceOf(claimant.address)) !== 0n) throw new Error("the fresh claimant holds tokens");
  results["claim.first.fresh"] = await gasOf(
    programs.connect(claimant).claim(id, claimant.address, 7n * TOKEN, e1.proofB),
  );

  // Epoch 2: both amounts grow; the holder's repeat claim.
  const e2 = syntheticTree(hre, [holder.address, 15n * TOKEN], [claimant.address, 9n * TOKEN], 20, "e2");
  results["post.next"] = await gasOf(post(2, e2.root, 24n * TOKEN));
  await time.increase(3601);
  // The first claim after the window promotes the root (paid once per epoch, by whoever claims first).
  results["claim.repeat.promotes"] = await gasOf(
    programs.connect(claimant).claim(id, claimant.address, 9n * TOKEN, e2.proofB),
  );
  results["claim.repeat.holder"] = await gasOf(programs.claim(id, holder.address, 15n * TOKEN, e2.proofA));

  // Signed claim to another recipient, and the veto.
  const e3 = syntheticTree(hre, [holder.address, 20n * TOKEN], [claimant.address, 12n * TOKEN], 20, "e3");
  await (await post(3, e3.root, 32n * TOKEN)).wait();
  results["veto"] = await gasOf(programs.connect(guardian).veto(id, e3.root));
  await (await post(3, e3.root, 32n * TOKEN)).wait();
  await time.increase(3601);
  await (await programs.activate(id)).wait();
  const { chainId } = await ethers.provider.getNetwork();
  const message = {
    programId: id,
    account: holder.address,
    recipient: deployer.address,
    maxAmount: 5n * TOKEN,
    nonce: 0n,
    deadline: 2n ** 40n,
  };
  const signature = await holder.signTypedData(
    { name: "ScoredPrograms", version: "1", chainId, verifyingContract: programsAddress },
    CLAIM_TYPES,
    message,
  );
  results["claimBySig.holder"] = await gasOf(
    programs.claimBySig(
      id,
      holder.address,
      20n * TOKEN,
      e3.proofA,
      deployer.address,
      5n * TOKEN,
      0n,
      2n ** 40n,
      signature,
    ),
  );

  // Growth with the tree: a repeat claim at several proof lengths, each in its own program.
  let epochProgram = 1n;
  for (const depth of depths) {
    epochProgram++;
    await (
      await programs.createProgram(await token.getAddress(), scorer.address, guardian.address, 0)
    ).wait();
    await (await programs.fund(epochProgram, 100n * TOKEN)).wait();
    const t1 = syntheticTree(hre, [holder.address, TOKEN], [claimant.address, TOKEN], depth, `d${depth}a`);
    await (
      await programs.connect(scorer).post(epochProgram, 1, t1.root, 2n * TOKEN, HASH, URI, HASH, URI)
    ).wait();
    await (await programs.claim(epochProgram, holder.address, TOKEN, t1.proofA)).wait();
    const t2 = syntheticTree(
      hre,
      [holder.address, 2n * TOKEN],
      [claimant.address, TOKEN],
      depth,
      `d${depth}b`,
    );
    await (
      await programs.connect(scorer).post(epochProgram, 2, t2.root, 3n * TOKEN, HASH, URI, HASH, URI)
    ).wait();
    await (await programs.activate(epochProgram)).wait();
    results[`claim.repeat.depth${depth}`] = await gasOf(
      programs.claim(epochProgram, holder.address, 2n * TOKEN, t2.proofA),
    );
  }
  return results;
}

/** EIP-712 types of a signed program claim (without EIP712Domain). */
export const CLAIM_TYPES = {
  Claim: [
    { name: "programId", type: "uint256" },
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "maxAmount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
