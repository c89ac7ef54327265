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
  const { registry, pools, programs } = m.useModule(KnowledgeCommonsModule);
  const { token } = m.useModule(CommunityTokenModule);
  return { registry, pools, programs, token };
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
  /**
   * Asks the user to confirm what a non-local chain needs confirming (see {@link confirmationQuestions});
   * without it, or when it returns false, a missing `yes` fails as {@link deployConfirmation} says.
   */
  confirm?: (question: string) => Promise<boolean>;
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
  programs: string;
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

/** The yes/no questions {@link deployConfirmation} needs answered before deploying; none on a local chain. */
export function confirmationQuestions({
  chainId,
  minCommitAge = DEFAULT_MIN_COMMIT_AGE,
  reset,
  yes,
}: DeployConfirmationInput): string[] {
  if (DEV_CHAIN_IDS.includes(chainId) || yes) return [];
  const questions: string[] = [];
  if (minCommitAge === 0n) {
    questions.push(
      `Commit-reveal is off on chain ${chainId}: anyone watching the mempool can register a digest first. Deploy anyway?`,
    );
  }
  if (reset) {
    questions.push(
      `--reset forgets the deployment record of chain ${chainId}, so Ignition deploys anew. Continue?`,
    );
  }
  return questions;
}

/**
 * One line for an Ignition failure. Ignition lists the reasons on the lines after "…the following
 * reconciliation errors:"; the CLI would otherwise show only that first line.
 */
export function ignitionFailureLine(message: string, deploymentDir?: string): string {
  const lines = message
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const [first, ...rest] = lines;
  const reasons = rest.map((line) => line.replace(/^\*\s*/, "")).join("; ");
  let text = reasons ? `${first.replace(/:$/, "")}: ${reasons}` : (first ?? message);
  if (/reconciliation errors/.test(first ?? "")) {
    const where = deploymentDir ? ` in ${deploymentDir}` : "";
    text +=
      ` (the deployment recorded${where} was made with other parameters or code: pass --reset to deploy anew, ` +
      `or another --deployment-id)`;
  }
  return text;
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
  const confirmation: DeployConfirmationInput = {
    chainId,
    minCommitAge: configured == null ? undefined : BigInt(configured),
    reset: options.reset,
    yes: options.yes,
    source: parametersFile && relative(hre.config.paths.root, parametersFile),
  };
  const questions = options.confirm ? confirmationQuestions(confirmation) : [];
  for (const question of questions) {
    if (!(await options.confirm!(question)))
      throw new KcError("not confirmed: nothing was deployed or removed");
  }
  deployConfirmation({ ...confirmation, yes: confirmation.yes || questions.length > 0 }, status);

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
  try {
    if (options.token) {
      deployed = await hre.ignition.deploy(WithTokenModule, common);
      token = await deployed.token.getAddress();
    } else {
      deployed = await hre.ignition.deploy(KnowledgeCommonsModule, common);
    }
  } catch (err) {
    const e = err as { _isHardhatPluginError?: boolean; message?: string };
    if (!e?._isHardhatPluginError || !e.message) throw err;
    const shown = deploymentDir && relative(hre.config.paths.root, deploymentDir);
    throw new KcError(ignitionFailureLine(e.message, shown), { cause: err });
  }
  const { registry, pools, programs } = deployed;
  return {
    network: hre.network.name,
    chainId,
    deploymentId,
    deploymentDir: deploymentDir && relative(hre.config.paths.root, deploymentDir),
    parametersFile: parametersFile && relative(hre.config.paths.root, parametersFile),
    registry: await registry.getAddress(),
    pools: await pools.getAddress(),
    programs: await programs.getAddress(),
    token,
    minCommitAge: await registry.minCommitAge(),
    maxCommitAge: await registry.maxCommitAge(),
  };
}
