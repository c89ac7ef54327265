import { ethers, ignition } from "hardhat";
import type { AddressLike, BigNumberish, Signer } from "ethers";

import CommunityTokenModule from "../../ignition/modules/CommunityToken";
import KnowledgeCommonsModule from "../../ignition/modules/KnowledgeCommons";
import { PERMIT_TYPES } from "../../src/token";
import { claimTypedData, poolsDomain, type ClaimTargetMessage } from "../../src/typedData";
import type { CommunityToken, KnowledgeRegistry, RewardPools } from "../../typechain-types";
import { COMMIT_REVEAL_OFF, Kind, digestOf, registration, type Registration } from "./registry";

export { Kind, digestOf, type Registration };

/** `RewardPools.SCALE`: fixed point of the pool index and of "scaled" amounts. */
export const SCALE = 1n << 40n;
/** One whole token of an 18-decimals token. */
export const TOKEN = 10n ** 18n;
/** Supply the fixtures mint to the funder. */
export const SUPPLY = 100_000_000n * TOKEN;

/** `n` whole tokens, `n` may be fractional as a string ("62.5"). */
export function tokens(n: number | bigint | string): bigint {
  return ethers.parseUnits(n.toString(), 18);
}

export interface Suite {
  registry: KnowledgeRegistry;
  pools: RewardPools;
  token: CommunityToken;
}

/** Deploys registry + pools and a CommunityToken (whole supply to `holder`) through the Ignition modules. */
export async function deploySuite(holder: string, supply: bigint = SUPPLY): Promise<Suite> {
  const { registry, pools } = await ignition.deploy(KnowledgeCommonsModule, {
    parameters: COMMIT_REVEAL_OFF,
  });
  const { token } = await ignition.deploy(CommunityTokenModule, {
    parameters: { CommunityToken: { holder, supply } },
  });
  return {
    registry: registry as unknown as KnowledgeRegistry,
    pools: pools as unknown as RewardPools,
    token: token as unknown as CommunityToken,
  };
}

/** A second token (plain deployContract: Ignition deploys a module once per run). */
export async function deployToken(
  holder: string,
  name = "Second Token",
  symbol = "SEC",
): Promise<CommunityToken> {
  return ethers.deployContract("CommunityToken", [
    name,
    symbol,
    holder,
    SUPPLY,
  ]) as unknown as Promise<CommunityToken>;
}

export interface ArtifactSpec {
  /** Text whose SHA-256 is the digest. */
  name: string;
  /** (account, share) pairs, in slot order. */
  contributors: [AddressLike, BigNumberish][];
  parents?: string[];
  upstreamBps?: number;
  minUpstreamBps?: number;
}

/** The registration of `spec`. */
export async function registrationOf(spec: ArtifactSpec): Promise<Registration> {
  const contributors = await Promise.all(
    spec.contributors.map(async ([account, share]) => ({
      account: await ethers.resolveAddress(account),
      share,
    })),
  );
  return registration({
    digest: digestOf(spec.name),
    contributors,
    parents: spec.parents ?? [],
    upstreamBps: spec.upstreamBps ?? 0,
    minUpstreamBps: spec.minUpstreamBps ?? 0,
  });
}

/** Registers `spec` with `owner` as owner; returns the digest. */
export async function registerArtifact(
  registry: KnowledgeRegistry,
  owner: Signer,
  spec: ArtifactSpec,
): Promise<string> {
  const reg = await registrationOf(spec);
  await registry.connect(owner).register(reg);
  return reg.digest;
}

/** A `ClaimTarget`. */
export function target(artifact: string, slot: BigNumberish = 0): ClaimTargetMessage {
  return { artifact, slot };
}

/** The pool id the next `createPool` returns. */
export async function nextPoolId(pools: RewardPools): Promise<bigint> {
  return (await pools.poolCount()) + 1n;
}

/** Creates a pool paying `token` curated by `curator` with `curationDelay` seconds; returns its id. */
export async function createPool(
  pools: RewardPools,
  creator: Signer,
  token: AddressLike,
  curator: AddressLike,
  curationDelay: BigNumberish = 0,
): Promise<bigint> {
  const id = await nextPoolId(pools);
  await pools.connect(creator).createPool(token, curator, curationDelay);
  return id;
}

/** `streamIdOf(funder, start, end, cancelable)`, computed off-chain. */
export function streamIdOf(
  funder: string,
  start: BigNumberish,
  end: BigNumberish,
  cancelable: boolean,
): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "uint256", "uint256", "bool"],
      [funder, start, end, cancelable],
    ),
  );
}

/** Signs the EIP-712 `Claim` request `claimBySig` checks. */
export async function signClaim(
  signer: Signer,
  pools: RewardPools,
  message: {
    poolId: BigNumberish;
    targets: ClaimTargetMessage[];
    recipient: string;
    claimant: string;
    maxAmount: BigNumberish;
    nonce: BigNumberish;
    deadline: BigNumberish;
  },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const { domain, types } = claimTypedData(poolsDomain(chainId, await pools.getAddress()), message);
  return signer.signTypedData(domain, types, message);
}

/** An ERC-2612 permit signature of `owner` letting `spender` take `value` until `deadline`. */
export async function signPermit(
  owner: Signer,
  token: CommunityToken,
  spender: AddressLike,
  value: BigNumberish,
  deadline: BigNumberish,
): Promise<{ v: number; r: string; s: string }> {
  const { chainId } = await ethers.provider.getNetwork();
  const ownerAddress = await owner.getAddress();
  const domain = {
    name: await token.name(),
    version: "1",
    chainId,
    verifyingContract: await token.getAddress(),
  };
  const message = {
    owner: ownerAddress,
    spender: await ethers.resolveAddress(spender),
    value,
    nonce: await token.nonces(ownerAddress),
    deadline,
  };
  const signature = ethers.Signature.from(await owner.signTypedData(domain, PERMIT_TYPES, message));
  return { v: signature.v, r: signature.r, s: signature.s };
}

/** The `PoolView` fields as a plain object, for `deep.equal`. */
export async function poolState(pools: RewardPools, poolId: BigNumberish) {
  const p = await pools.pool(poolId);
  return {
    token: p.token,
    curator: p.curator,
    pendingCurator: p.pendingCurator,
    curationDelay: p.curationDelay,
    totalWeight: p.totalWeight,
    index: p.index,
    lastUpdate: p.lastUpdate,
    rate: p.rate,
    nextStreamEnd: p.nextStreamEnd,
    streaming: p.streaming,
    carried: p.carried,
    changeCount: p.changeCount,
  };
}

/** The `MemberView` fields as a plain object, for `deep.equal`. */
export async function memberState(pools: RewardPools, poolId: BigNumberish, artifact: string) {
  const m = await pools.member(poolId, artifact);
  return {
    weight: m.weight,
    checkpoint: m.checkpoint,
    earnedScaled: m.earnedScaled,
    pendingUpstreamScaled: m.pendingUpstreamScaled,
    upstreamBps: m.upstreamBps,
    totalShares: m.totalShares,
  };
}

/** Timestamp of the block that mined `tx`. */
export async function txTimestamp(tx: { blockNumber: number | null } | null): Promise<number> {
  const block = await ethers.provider.getBlock(tx!.blockNumber!);
  return block!.timestamp;
}
