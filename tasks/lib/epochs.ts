import { join } from "node:path";

import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { ScoredPrograms } from "../../typechain-types";
import { getContracts, readDeployment, deploymentIdFor, ensureArtifacts } from "./contracts";
import { KcError } from "../../src/errors";
import { parseAddress } from "../../src/parse";
import type { EpochChain } from "../../src/epochs/run";

/** Ignition future id of the programs contract (module ScoredPrograms, used by KnowledgeCommons). */
export const PROGRAMS_FUTURE_ID = "ScoredPrograms#ScoredPrograms";

/**
 * The programs contract: `--programs`, then env KC_PROGRAMS, then the Ignition deployment of the chain. Needs hre
 * (deployment lookup), so it lives beside the CLI rather than in the SDK proper.
 */
export async function programsContract(
  hre: HardhatRuntimeEnvironment,
  options: { programs?: string; deploymentId?: string; signer?: Signer },
): Promise<{ programs: ScoredPrograms; programsAddress: string; chainId: bigint }> {
  await ensureArtifacts(hre);
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deployment = readDeployment(hre, deploymentIdFor(chainId, options.deploymentId));
  let address: string | undefined;
  let source = "";
  if (options.programs?.trim())
    [address, source] = [parseAddress(options.programs, "--programs"), "--programs"];
  else if (process.env.KC_PROGRAMS?.trim())
    [address, source] = [parseAddress(process.env.KC_PROGRAMS, "KC_PROGRAMS"), "KC_PROGRAMS"];
  else if (deployment?.addresses[PROGRAMS_FUTURE_ID]) {
    [address, source] = [deployment.addresses[PROGRAMS_FUTURE_ID], deployment.dir];
  }
  if (!address) {
    throw new KcError(
      `no ScoredPrograms address for chain ${chainId}: run npx hardhat kc deploy --network ${hre.network.name}, ` +
        `or pass --programs / set KC_PROGRAMS`,
    );
  }
  if ((await hre.ethers.provider.getCode(address)) === "0x") {
    throw new KcError(`no ScoredPrograms contract at ${address} (from ${source}) on chain ${chainId}`);
  }
  const programs = (await hre.ethers.getContractAt(
    "ScoredPrograms",
    address,
    options.signer,
  )) as unknown as ScoredPrograms;
  return { programs, programsAddress: address, chainId };
}

/** Programs, registry and the first block worth scanning, for the epoch commands. */
export async function epochChain(
  hre: HardhatRuntimeEnvironment,
  args: { programs?: string; registry?: string; pools?: string; deploymentId?: string },
  programId: bigint,
  signer?: Signer,
): Promise<EpochChain> {
  const { programs, programsAddress, chainId } = await programsContract(hre, { ...args, signer });
  const { registry, fromBlock } = await getContracts(hre, {
    registry: args.registry,
    pools: args.pools,
    deploymentId: args.deploymentId,
    signer,
  });
  return { programs, programsAddress, registry, programId, chainId, fromBlock };
}

/** Where the epochs of a program are kept by default: `epochs/chain-<id>/program-<n>`. */
export function defaultEpochDir(chainId: bigint, programId: bigint): string {
  return join("epochs", `chain-${chainId}`, `program-${programId}`);
}
