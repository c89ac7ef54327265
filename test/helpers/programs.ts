import { ethers, ignition } from "hardhat";
import type { Signer } from "ethers";

import CommunityTokenModule from "../../ignition/modules/CommunityToken";
import ScoredProgramsModule from "../../ignition/modules/ScoredPrograms";
import { PROGRAM_CLAIM_TYPES, programsDomain } from "../../src/epochs/chain";
import { buildTree, leafInto, proofHex, rootOf } from "../../src/epochs/merkle";
import type { CommunityToken, ScoredPrograms } from "../../typechain-types";

export const TOKEN = 10n ** 18n;
export const FAR = 2n ** 40n;
export const HASH_U = "0x" + "11".repeat(32);
export const HASH_A = "0x" + "22".repeat(32);

/** ScoredPrograms and a CommunityToken (whole supply to `holder`), through the Ignition modules. */
export async function deployPrograms(
  holder: string,
): Promise<{ programs: ScoredPrograms; token: CommunityToken }> {
  const { programs } = await ignition.deploy(ScoredProgramsModule);
  const { token } = await ignition.deploy(CommunityTokenModule, {
    parameters: { CommunityToken: { holder, supply: 10n ** 9n * TOKEN } },
  });
  return { programs: programs as unknown as ScoredPrograms, token: token as unknown as CommunityToken };
}

export interface TestTree {
  root: string;
  proof(account: string): string[];
  amount(account: string): bigint;
  total: bigint;
}

/** The epoch tree of `entries` (account → cumulative amount), built by src/epochs like `kc epoch-build`. */
export function treeOf(entries: [string, bigint][]): TestTree {
  const sorted = [...entries]
    .map(([a, v]) => [a.toLowerCase(), v] as [string, bigint])
    .sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const leaves = new Uint8Array(sorted.length * 32);
  sorted.forEach(([a, v], i) => leafInto(a.slice(2), v, leaves, i * 32));
  const tree = buildTree(leaves);
  const index = new Map(sorted.map(([a], i) => [a, i]));
  return {
    root: rootOf(tree),
    proof: (account) => proofHex(tree, index.get(account.toLowerCase())!),
    amount: (account) => sorted[index.get(account.toLowerCase())!][1],
    total: sorted.reduce((s, [, v]) => s + v, 0n),
  };
}

/** Signs the EIP-712 `Claim` request `claimBySig` checks. */
export async function signProgramClaim(
  signer: Signer,
  programs: ScoredPrograms,
  message: {
    programId: bigint;
    account: string;
    recipient: string;
    maxAmount: bigint;
    nonce: bigint;
    deadline: bigint;
  },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return signer.signTypedData(
    programsDomain(chainId, await programs.getAddress()),
    PROGRAM_CLAIM_TYPES,
    message,
  );
}
