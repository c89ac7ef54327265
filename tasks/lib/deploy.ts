import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import CommunityTokenModule from "../../ignition/modules/CommunityToken";
import KnowledgeCommonsModule from "../../ignition/modules/KnowledgeCommons";
import { DEFAULT_MIN_COMMIT_AGE } from "../../ignition/modules/KnowledgeRegistry";
import { DEV_CHAIN_IDS, FUTURE_IDS, deploymentIdFor, ensureArtifacts, readDeployment } from "./contracts";
import { KcError } from "../../src/errors";

/** Chains where a demo token makes no sense: mainnets of Ethereum and the big L2s and sidechains. */
export const MAINNET_CHAIN_IDS: readonly bigint[] = [
  1n,
  10n,
  56n,
  100n,
  137n,
  324n,
  8453n,
  42161n,
  43114n,
  59144n,
];

/** The suite plus the demo token in one Ignition run, so the UI shows one deployment, not two. */
const WithTokenModule = buildModule("KnowledgeCommonsWithToken", (m) => {
  const { registry, pools } = m.useModule(KnowledgeCommonsModule);
  const { token } = m.useModule(CommunityTokenModule);
  return { registry, pools, token };
});

export interface DeployOptions {
  /** Ignition parameters file; default `ignition/parameters/<network>.json` (or `.json5`) if present. */
  parameters?: string;
  deploymentId?: string;
  /** Also deploy the CommunityToken demo token (refused on mainnets). */
  token?: boolean;
  /** Forget the recorded deployment and deploy anew. */
  reset?: boolean;
  /** Confirms what needs confirming on a non-local chain: commit-reveal off, or `reset`. */
  yes?: boolean;
  /** Account that deploys (Ignition's default sender); the first account otherwise. */
  from?: string;
  /** Show Ignition's progress UI. */
  displayUi?: boolean;
  status?: (message: string) => void;
}

export interface DeployResult {
  network: string;
  chainId: bigint;
  /** Undefined on the in-process network, whose deployments Ignition does not record. */
  deploymentId?: string;
  deploymentDir?: string;
  parametersFile?: string;
  registry: string;
  pools: string;
  token?: string;
  minCommitAge: bigint;
  maxCommitAge: bigint;
}

/** What `kc deploy` is about to do, as far as the confirmations on a non-local chain go. */
export interface DeployConfirmationInput {
  chainId: bigint;
  /** The registry's `minCommitAge` parameter; undefined when the parameters set none (the module's 60 s). */
  minCommitAge?: bigint;
  /** `--reset`: forget the recorded deployment. */
  reset?: boolean;
  /** `--yes`: confirm both. */
  yes?: boolean;
  /** The parameters file, as the warning names it. */
  source?: string;
}

/**
 * The confirmations `kc deploy` asks for on a chain that is not a local development chain (31337, 1337):
 * commit-reveal off warns through `warn` (anyone watching the mempool can register a digest first) and needs
 * `yes`; so does `reset`, which forgets the chain's deployment record. Throws a one-line KcError when a
 * confirmation is missing; a local chain needs none.
 */
export function deployConfirmation(
  { chainId, minCommitAge = DEFAULT_MIN_COMMIT_AGE, reset, yes, source }: DeployConfirmationInput,
  warn: (message: string) => void = () => {},
): void {
  if (DEV_CHAIN_IDS.includes(chainId)) return;
  if (minCommitAge === 0n) {
    warn(
      `warning: ${source ?? "the parameters"} turns commit-reveal off: anyone watching the mempool can ` +
        `register a digest first`,
    );
    if (!yes) throw new KcError(`commit-reveal is off on chain ${chainId}; pass --yes to deploy anyway`);
  }
  if (reset && !yes) {
    throw new KcError(
      `--reset forgets the deployment record of chain ${chainId}; pass --yes as well to confirm`,
    );
  }
}

/** The parameters file for the current network, if any. */
export function defaultParametersFile(hre: HardhatRuntimeEnvironment): string | undefined {
  for (const ext of ["json", "json5"]) {
    const file = join(hre.config.paths.ignition, "parameters", `${hre.network.name}.${ext}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Deploys the registry and pools (and the demo token) through the Ignition modules users run. */
export async function deploySuite(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions = {},
): Promise<DeployResult> {
  const status = options.status ?? (() => {});
  const { readDeploymentParameters } = await import("@nomicfoundation/hardhat-ignition/helpers");
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  if (options.token && MAINNET_CHAIN_IDS.includes(chainId)) {
    throw new KcError(`--token deploys a demo token, which has no place on chain ${chainId} (a mainnet)`);
  }

  const parametersFile = options.parameters ? resolve(options.parameters) : defaultParametersFile(hre);
  if (parametersFile && !existsSync(parametersFile))
    throw new KcError(`no such parameters file: ${parametersFile}`);
  let parameters = {};
  if (parametersFile) {
    try {
      parameters = await readDeploymentParameters(parametersFile);
    } catch (err) {
      const cause = (err as { parent?: Error }).parent?.message ?? (err as Error).message;
      throw new KcError(`cannot parse parameters file ${parametersFile}: ${cause.split("\n")[0]}`);
    }
  }

  const registryParameters = (parameters as { KnowledgeRegistry?: { minCommitAge?: unknown } })
    .KnowledgeRegistry;
  const configured = registryParameters?.minCommitAge as bigint | number | undefined;
  deployConfirmation(
    {
      chainId,
      minCommitAge: configured == null ? undefined : BigInt(configured),
      reset: options.reset,
      yes: options.yes,
      source: parametersFile && relative(hre.config.paths.root, parametersFile),
    },
    status,
  );

  const ephemeral = hre.network.name === "hardhat";
  const deploymentId = ephemeral ? undefined : deploymentIdFor(chainId, options.deploymentId);
  let deploymentDir: string | undefined;
  if (deploymentId) {
    deploymentDir = join(hre.config.paths.ignition, "deployments", deploymentId);
    const shown = relative(hre.config.paths.root, deploymentDir);
    const recorded = readDeployment(hre, deploymentId)?.addresses[FUTURE_IDS.registry];
    if (options.reset) {
      rmSync(deploymentDir, { recursive: true, force: true });
      status(`--reset: removed ${shown}`);
    } else if (recorded && (await hre.ethers.provider.getCode(recorded)) === "0x") {
      // A restarted local node forgets everything; its old record would make Ignition skip the deploy.
      if (!DEV_CHAIN_IDS.includes(chainId)) {
        throw new KcError(
          `${shown} records a registry at ${recorded} but chain ${chainId} has no code there: check the ` +
            `network, or pass --reset to deploy anew`,
        );
      }
      rmSync(deploymentDir, { recursive: true, force: true });
      status(`removed ${shown}: it records contracts this node no longer has (restarted?)`);
    }
  }

  await ensureArtifacts(hre);
  const common = {
    parameters,
    deploymentId,
    displayUi: options.displayUi ?? false,
    ...(options.from ? { defaultSender: options.from } : {}),
  };
  let token: string | undefined;
  let deployed;
  if (options.token) {
    deployed = await hre.ignition.deploy(WithTokenModule, common);
    token = await deployed.token.getAddress();
  } else {
    deployed = await hre.ignition.deploy(KnowledgeCommonsModule, common);
  }
  const { registry, pools } = deployed;
  return {
    network: hre.network.name,
    chainId,
    deploymentId,
    deploymentDir: deploymentDir && relative(hre.config.paths.root, deploymentDir),
    parametersFile: parametersFile && relative(hre.config.paths.root, parametersFile),
    registry: await registry.getAddress(),
    pools: await pools.getAddress(),
    token,
    minCommitAge: await registry.minCommitAge(),
    maxCommitAge: await registry.maxCommitAge(),
  };
}
