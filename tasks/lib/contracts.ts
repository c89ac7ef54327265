import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { KnowledgeRegistry, RewardPools } from "../../typechain-types";
import { KcError } from "../../src/errors";
import { parseAddress } from "../../src/parse";

/** Ignition future ids of the contracts, the keys of `deployed_addresses.json`. */
export const FUTURE_IDS = {
  registry: "KnowledgeRegistry#KnowledgeRegistry",
  pools: "RewardPools#RewardPools",
  token: "CommunityToken#CommunityToken",
} as const;

/** Chain ids of local development nodes (hardhat node, anvil, ganache). */
export const DEV_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

export interface LookupOptions {
  /** Address overrides; otherwise env KC_REGISTRY / KC_POOLS, otherwise the Ignition deployment. */
  registry?: string;
  pools?: string;
  /** Ignition deployment id; otherwise env KC_DEPLOYMENT_ID, otherwise `chain-<chainId>`. */
  deploymentId?: string;
  /** Who sends transactions (see {@link resolveSigner}); read-only use needs none. */
  signer?: Signer;
}

export interface Deployment {
  deploymentId: string;
  /** Folder of the deployment, relative to the project root, for messages. */
  dir: string;
  /** Future id to address, as Ignition wrote it. */
  addresses: Record<string, string>;
  /** Earliest block of the deployment's transactions, where event queries can start. */
  fromBlock: number;
}

export interface Contracts {
  chainId: bigint;
  registry: KnowledgeRegistry;
  pools: RewardPools;
  registryAddress: string;
  poolsAddress: string;
  /** First block worth scanning for events (0 when unknown). */
  fromBlock: number;
}

export function deploymentIdFor(chainId: bigint, given?: string): string {
  return given?.trim() || process.env.KC_DEPLOYMENT_ID?.trim() || `chain-${chainId}`;
}

/** The Ignition deployment record for `deploymentId`, or undefined when there is none. */
export function readDeployment(hre: HardhatRuntimeEnvironment, deploymentId: string): Deployment | undefined {
  const dir = join(hre.config.paths.ignition, "deployments", deploymentId);
  const file = join(dir, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new KcError(`cannot read ${relative(hre.config.paths.root, file)}: ${(err as Error).message}`);
  }
  return { deploymentId, dir: relative(hre.config.paths.root, dir), addresses, fromBlock: firstBlock(dir) };
}

/** Lowest block number among the receipts in Ignition's journal; 0 if the journal has none. */
export function firstBlock(dir: string): number {
  const journal = join(dir, "journal.jsonl");
  if (!existsSync(journal)) return 0;
  let lowest = Infinity;
  for (const line of readFileSync(journal, "utf8").split("\n")) {
    // Receipts are the only journal entries with a blockNumber; parse only those lines.
    if (!line.includes('"blockNumber"')) continue;
    try {
      const n = Number(JSON.parse(line)?.receipt?.blockNumber);
      if (Number.isInteger(n) && n < lowest) lowest = n;
    } catch {
      // A torn last line (interrupted deploy) is harmless: scanning from earlier is still correct.
    }
  }
  return lowest === Infinity ? 0 : lowest;
}

/** How to deploy on the current network, for error messages. */
export function deployHint(hre: HardhatRuntimeEnvironment): string {
  if (hre.network.name === "hardhat") {
    return (
      "the in-process hardhat network starts empty for every command: start a node with " +
      "`npx hardhat node` and use --network localhost"
    );
  }
  return `run npx hardhat kc deploy --network ${hre.network.name}`;
}

/** Where the address of `which` comes from: explicit option, env, or the deployment. */
function pick(
  which: keyof typeof FUTURE_IDS,
  given: string | undefined,
  envName: string,
  deployment: Deployment | undefined,
): { address: string; source: string } | undefined {
  if (given?.trim()) return { address: parseAddress(given, `--${which}`), source: `--${which}` };
  const fromEnv = process.env[envName]?.trim();
  if (fromEnv) return { address: parseAddress(fromEnv, envName), source: envName };
  const recorded = deployment?.addresses[FUTURE_IDS[which]];
  if (recorded) return { address: parseAddress(recorded, FUTURE_IDS[which]), source: deployment!.dir };
  return undefined;
}

async function requireCode(
  hre: HardhatRuntimeEnvironment,
  name: string,
  address: string,
  source: string,
  chainId: bigint,
): Promise<void> {
  const code = await hre.ethers.provider.getCode(address);
  if (code !== "0x") return;
  const stale = source.startsWith("ignition")
    ? hre.network.name === "hardhat"
      ? `; ${deployHint(hre)}`
      : ` (the record in ${source} is stale, e.g. the node was restarted: ` +
        `run npx hardhat kc deploy --network ${hre.network.name} --reset)`
    : "";
  throw new KcError(`no ${name} contract at ${address} (from ${source}) on chain ${chainId}${stale}`);
}

/** Compile once if the artifacts are missing, e.g. on a fresh clone, so `getContractAt` can find the ABIs. */
export async function ensureArtifacts(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (await hre.artifacts.artifactExists("RewardPools")) return;
  await hre.run("compile", { quiet: true });
}

/**
 * The registry and pools of the current network. Addresses come from `--registry/--pools`, then env
 * `KC_REGISTRY/KC_POOLS`, then the Ignition deployment; with only the pools known, the registry is
 * the one the pools are bound to.
 */
export async function getContracts(
  hre: HardhatRuntimeEnvironment,
  options: LookupOptions = {},
): Promise<Contracts> {
  await ensureArtifacts(hre);
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deploymentId = deploymentIdFor(chainId, options.deploymentId);
  const deployment = readDeployment(hre, deploymentId);

  const registryPick = pick("registry", options.registry, "KC_REGISTRY", deployment);
  const poolsPick = pick("pools", options.pools, "KC_POOLS", deployment);
  if (!poolsPick) {
    if (registryPick && !deployment) {
      throw new KcError(`no RewardPools address for chain ${chainId}: pass --pools or set KC_POOLS`);
    }
    throw new KcError(`no KnowledgeRegistry deployment for chain ${chainId}: ${deployHint(hre)}`);
  }
  await requireCode(hre, "RewardPools", poolsPick.address, poolsPick.source, chainId);
  // Without a signer, hardhat-ethers binds the first account, or the provider if there is none.
  const pools = (await hre.ethers.getContractAt(
    "RewardPools",
    poolsPick.address,
    options.signer,
  )) as RewardPools;
  const bound = await pools.registry();

  let registryAddress = bound;
  if (registryPick) {
    if (registryPick.address !== bound) {
      throw new KcError(
        `the pools at ${poolsPick.address} pay artifacts of registry ${bound}, ` +
          `not ${registryPick.address} (from ${registryPick.source})`,
      );
    }
    registryAddress = registryPick.address;
  }
  await requireCode(
    hre,
    "KnowledgeRegistry",
    registryAddress,
    registryPick?.source ?? "RewardPools.registry()",
    chainId,
  );
  const registry = (await hre.ethers.getContractAt(
    "KnowledgeRegistry",
    registryAddress,
    options.signer,
  )) as KnowledgeRegistry;
  // Scanning from the deployment block matters on real chains, where providers limit log ranges.
  const fromBlock = deployment && poolsPick.source === deployment.dir ? deployment.fromBlock : 0;
  return { chainId, registry, pools, registryAddress, poolsAddress: poolsPick.address, fromBlock };
}

/**
 * The account that sends transactions: `from` is an index into the network's accounts (`0` is the
 * first) or one of their addresses; by default the first account.
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, from?: string): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  const text = from?.trim() ?? "";
  if (text === "" || /^\d+$/.test(text)) {
    const index = text === "" ? 0 : Number(text);
    if (signers.length === 0) {
      throw new KcError(
        `network ${hre.network.name} has no accounts to send from: set PRIVATE_KEY or MNEMONIC in .env`,
      );
    }
    if (index >= signers.length) {
      throw new KcError(`--from ${index}: network ${hre.network.name} has only ${signers.length} account(s)`);
    }
    return signers[index];
  }
  const address = parseAddress(text, "--from");
  const signer = signers.find((s) => s.address === address);
  if (!signer)
    throw new KcError(`--from ${address} is not one of the accounts of network ${hre.network.name}`);
  return signer;
}
