import type { BigNumberish, TypedDataDomain, TypedDataField } from "ethers";

/** EIP-712 domain name and version of the KnowledgeRegistry (its `EIP712` constructor arguments). */
export const REGISTRY_DOMAIN_NAME = "KnowledgeRegistry";
export const REGISTRY_DOMAIN_VERSION = "1";

/** The registry's EIP-712 domain on `chainId` at `verifyingContract`. */
export function registryDomain(chainId: BigNumberish, verifyingContract: string): TypedDataDomain {
  return { name: REGISTRY_DOMAIN_NAME, version: REGISTRY_DOMAIN_VERSION, chainId, verifyingContract };
}

/**
 * Typed-data types of `registerBySig`, field for field the contract's `REGISTER_TYPEHASH`. Without the
 * `EIP712Domain` entry, as ethers' `signTypedData` and `TypedDataEncoder` expect.
 */
export const REGISTER_TYPES: Record<string, TypedDataField[]> = {
  Register: [
    { name: "digest", type: "bytes32" },
    { name: "kind", type: "uint8" },
    { name: "scheme", type: "uint8" },
    { name: "uri", type: "string" },
    { name: "contributors", type: "Contributor[]" },
    { name: "parents", type: "bytes32[]" },
    { name: "upstreamBps", type: "uint16" },
    { name: "minUpstreamBps", type: "uint16" },
    { name: "secret", type: "bytes32" },
    { name: "registrant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  Contributor: [
    { name: "account", type: "address" },
    { name: "share", type: "uint32" },
  ],
};

export interface ContributorMessage {
  account: string;
  share: BigNumberish;
}

/** `IKnowledgeRegistry.Registration`, as the contract takes it. */
export interface Registration {
  digest: string;
  kind: number;
  /** `IKnowledgeRegistry.DigestScheme`: 0 raw bytes, 1 UnixFS dag-pb root, 2 canonical manifest. */
  scheme: number;
  uri: string;
  contributors: ContributorMessage[];
  parents: string[];
  upstreamBps: number;
  minUpstreamBps: number;
  secret: string;
}

/** The signed `Register` request: the registration plus who registers, with which nonce, until when. */
export interface RegisterMessage {
  digest: string;
  kind: BigNumberish;
  scheme: BigNumberish;
  uri: string;
  contributors: ContributorMessage[];
  parents: string[];
  upstreamBps: BigNumberish;
  minUpstreamBps: BigNumberish;
  secret: string;
  registrant: string;
  nonce: BigNumberish;
  deadline: BigNumberish;
}

export interface RegisterTypedData {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  primaryType: "Register";
  message: RegisterMessage;
}

/** The typed data a registrant signs for `registerBySig` (for ethers, a wallet's eth_signTypedData_v4). */
export function registerTypedData(domain: TypedDataDomain, message: RegisterMessage): RegisterTypedData {
  return { domain, types: REGISTER_TYPES, primaryType: "Register", message };
}

/** EIP-712 domain name and version of RewardPools (its `EIP712` constructor arguments). */
export const POOLS_DOMAIN_NAME = "RewardPools";
export const POOLS_DOMAIN_VERSION = "1";

/** The pools' EIP-712 domain on `chainId` at `verifyingContract`. */
export function poolsDomain(chainId: BigNumberish, verifyingContract: string): TypedDataDomain {
  return { name: POOLS_DOMAIN_NAME, version: POOLS_DOMAIN_VERSION, chainId, verifyingContract };
}

/** Typed-data types of `claimBySig`, field for field the contract's `CLAIM_TYPEHASH` (no `EIP712Domain`). */
export const CLAIM_TYPES: Record<string, TypedDataField[]> = {
  Claim: [
    { name: "poolId", type: "uint256" },
    { name: "targets", type: "ClaimTarget[]" },
    { name: "recipient", type: "address" },
    { name: "claimant", type: "address" },
    { name: "maxAmount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  ClaimTarget: [
    { name: "artifact", type: "bytes32" },
    { name: "slot", type: "uint256" },
  ],
};

/** One (artifact, contributor slot) of a claim. */
export interface ClaimTargetMessage {
  artifact: string;
  slot: BigNumberish;
}

/** The signed `Claim` request: which pool and slots, who is paid, who claims, with which nonce, until when. */
export interface ClaimMessage {
  poolId: BigNumberish;
  targets: ClaimTargetMessage[];
  recipient: string;
  claimant: string;
  /** The most the claim may pay (targets in order): a signature is never a standing order. */
  maxAmount: BigNumberish;
  nonce: BigNumberish;
  deadline: BigNumberish;
}

export interface ClaimTypedData {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  primaryType: "Claim";
  message: ClaimMessage;
}

/** The typed data a contributor signs for `claimBySig` (for ethers, a wallet's eth_signTypedData_v4). */
export function claimTypedData(domain: TypedDataDomain, message: ClaimMessage): ClaimTypedData {
  return { domain, types: CLAIM_TYPES, primaryType: "Claim", message };
}
