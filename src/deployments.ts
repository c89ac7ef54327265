import recorded from "./deployments.json";

/** Where the suite lives on one chain, and the first block worth scanning for its events. */
export interface ChainDeployment {
  registry?: string;
  pools?: string;
  programs?: string;
  fromBlock?: number;
}

/**
 * Published deployments by chain id (decimal string). Filled by `npm run deployments` from the Ignition
 * records of non-local chains (`ignition/deployments/chain-<id>/`) and committed with the release; empty
 * until the suite is deployed somewhere public.
 */
export const DEPLOYMENTS: Readonly<Record<string, ChainDeployment>> = recorded;

/** The published deployment on `chainId`, or undefined. */
export function deploymentOf(chainId: bigint | number): ChainDeployment | undefined {
  return DEPLOYMENTS[String(chainId)];
}
