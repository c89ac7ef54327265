import { ethers, ignition } from "hardhat";
import type { AddressLike, BigNumberish, Signer } from "ethers";

import KnowledgeRegistryModule from "../../ignition/modules/KnowledgeRegistry";
import {
  REGISTER_TYPES,
  registerTypedData,
  registryDomain,
  type ContributorMessage as Contributor,
  type Registration,
} from "../../src/typedData";
import type { KnowledgeRegistry } from "../../typechain-types";

export { REGISTER_TYPES };

/** `IKnowledgeRegistry.Kind`, in declaration order. */
export const Kind = {
  Dataset: 0,
  Model: 1,
  Agent: 2,
  Code: 3,
  Prompt: 4,
  Document: 5,
  Other: 6,
} as const;

/** `IKnowledgeRegistry.DigestScheme`, in declaration order. */
export const DigestScheme = {
  Raw: 0,
  UnixFs: 1,
  Manifest: 2,
} as const;

export type { ContributorMessage as Contributor, Registration } from "../../src/typedData";

/** Parameters of the Ignition module `KnowledgeRegistry`. */
export interface RegistryParameters {
  minCommitAge?: bigint;
  maxCommitAge?: bigint;
  baseTokenURI?: string;
}

export const DEFAULT_BASE_URI = "knowledge-commons:artifact/";
/** A stand-in contributor for registrations whose contributors the test does not care about. */
export const PLACEHOLDER_CONTRIBUTOR = "0x00000000000000000000000000000000000000C1";

/** SHA-256 of the UTF-8 bytes of `text`, as a 0x-prefixed bytes32. */
export function digestOf(text: string): string {
  return ethers.sha256(ethers.toUtf8Bytes(text));
}

/** A valid registration (one contributor, no parents) with `overrides` applied. */
export function registration(overrides: Partial<Registration> = {}): Registration {
  return {
    digest: digestOf("artifact"),
    kind: Kind.Dataset,
    scheme: 0,
    uri: "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    contributors: [{ account: PLACEHOLDER_CONTRIBUTOR, share: 1 }],
    parents: [],
    upstreamBps: 0,
    minUpstreamBps: 0,
    secret: ethers.ZeroHash,
    ...overrides,
  };
}

/** The contributors of `reg` as the `ArtifactRegistered` event carries them, for `withArgs`. */
export function contributorsArg(reg: Registration): [string, bigint][] {
  return reg.contributors.map((c) => [c.account, BigInt(c.share)]);
}

/**
 * All arguments of the `ArtifactRegistered` event that registering `reg` as `owner` emits;
 * `commitment` is the one consumed (zero with commit-reveal off).
 */
export function registeredArgs(reg: Registration, owner: string, commitment: string = ethers.ZeroHash) {
  return [
    reg.digest,
    owner,
    reg.kind,
    reg.scheme,
    reg.uri,
    contributorsArg(reg),
    reg.parents,
    reg.upstreamBps,
    reg.minUpstreamBps,
    commitment,
  ] as const;
}

/** `commitmentFor(digest, registrant, secret)`, computed off-chain. */
export function commitmentOf(digest: string, registrant: string, secret: string): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "bytes32"], [digest, registrant, secret]),
  );
}

/** A URI of exactly `length` ASCII characters. */
export function uriOfLength(length: number): string {
  const prefix = "ipfs://";
  if (length < prefix.length) return "x".repeat(length);
  return prefix + "b".repeat(length - prefix.length);
}

/**
 * Ignition parameters for a registry without commit-reveal (the module's default is on). Most suites test
 * everything else and register directly; the commit-reveal suite turns it on.
 */
export const COMMIT_REVEAL_OFF = { KnowledgeRegistry: { minCommitAge: 0n, maxCommitAge: 0n } };

/** Deploys the registry through the same Ignition module users run. */
export async function deployRegistry(parameters: RegistryParameters = {}): Promise<KnowledgeRegistry> {
  const { registry } = await ignition.deploy(KnowledgeRegistryModule, {
    parameters: { KnowledgeRegistry: { ...COMMIT_REVEAL_OFF.KnowledgeRegistry, ...parameters } },
  });
  return registry as unknown as KnowledgeRegistry;
}

/** Signs the EIP-712 `Register` request that `registerBySig(reg, registrant, nonce, deadline, sig)` checks. */
export async function signRegistration(
  signer: Signer,
  registry: KnowledgeRegistry,
  reg: Registration,
  registrant: AddressLike,
  nonce: BigNumberish,
  deadline: BigNumberish,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = registryDomain(chainId, await registry.getAddress());
  const { types, message } = registerTypedData(domain, {
    ...reg,
    registrant: await ethers.resolveAddress(registrant),
    nonce,
    deadline,
  });
  return signer.signTypedData(domain, types, message);
}
