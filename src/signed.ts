import {
  type Signer,
  type TransactionReceipt,
  type TypedDataDomain,
  ZeroHash,
  getAddress,
  hexlify,
  isHexString,
  randomBytes,
  verifyTypedData,
} from "ethers";

import type { KnowledgeRegistry, RewardPools } from "../typechain-types";
import { KcError } from "./errors";
import { type RegistrationInput, checkRegistration, registrationOf } from "./register";
import { type SendOptions, eventsNamed, sendCall } from "./tx";
import {
  CLAIM_TYPES,
  type ClaimMessage,
  type ClaimTargetMessage,
  REGISTER_TYPES,
  type RegisterMessage,
  type Registration,
  poolsDomain,
  registryDomain,
} from "./typedData";

/**
 * Gasless requests, ethers only: a registrant or claimant signs an EIP-712 request into a JSON file
 * (`signRegistration`, `signClaim`); anyone holding the file relays it and pays the gas (`relay`).
 */

/** What `kc register --sign-only` / `kc claim --sign-only` write and `kc relay` reads. */
export interface SignedRequest {
  type: "knowledge-commons/signed-request";
  version: 1;
  function: "registerBySig" | "claimBySig";
  chainId: string;
  /** The contract the signature is bound to (the EIP-712 verifying contract). */
  contract: string;
  signer: string;
  domain: TypedDataDomain;
  primaryType: "Register" | "Claim";
  /** The signed message; numbers as decimal strings. */
  message: Record<string, unknown>;
  signature: string;
}

const REQUEST_TYPE = "knowledge-commons/signed-request";

/** Numbers as decimal strings, so the request is plain JSON and reads back unchanged. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

async function chainIdOf(signer: Signer): Promise<bigint> {
  if (!signer.provider) throw new KcError("the signer has no provider to read the chain id from");
  return (await signer.provider.getNetwork()).chainId;
}

/**
 * Signs `registration` for `registerBySig`: the signer becomes the registrant and owner, with its current
 * registry nonce, valid until `deadline` (seconds). Nothing is sent.
 */
export async function signRegistration(
  registry: KnowledgeRegistry,
  signer: Signer,
  registration: Registration,
  deadline: bigint,
): Promise<SignedRequest> {
  const registrant = getAddress(await signer.getAddress());
  const contract = await registry.getAddress();
  const chainId = await chainIdOf(signer);
  const domain = registryDomain(chainId, contract);
  const nonce = await registry.nonces(registrant);
  const message: RegisterMessage = { ...registration, registrant, nonce, deadline };
  const signature = await signer.signTypedData(domain, REGISTER_TYPES, message);
  return {
    type: REQUEST_TYPE,
    version: 1,
    function: "registerBySig",
    chainId: chainId.toString(),
    contract,
    signer: registrant,
    domain: plain(domain) as TypedDataDomain,
    primaryType: "Register",
    message: plain(message) as Record<string, unknown>,
    signature,
  };
}

/**
 * Signs a `claimBySig` request: pay the signer's `targets` of `poolId` to `recipient`, at most `maxAmount`
 * (base units), with its current pools nonce, valid until `deadline`. Nothing is sent.
 */
export async function signClaim(
  pools: RewardPools,
  signer: Signer,
  claim: { poolId: bigint; targets: ClaimTargetMessage[]; recipient: string; maxAmount: bigint },
  deadline: bigint,
): Promise<SignedRequest> {
  const claimant = getAddress(await signer.getAddress());
  const contract = await pools.getAddress();
  const chainId = await chainIdOf(signer);
  const domain = poolsDomain(chainId, contract);
  const nonce = await pools.nonces(claimant);
  const message: ClaimMessage = {
    ...claim,
    recipient: getAddress(claim.recipient),
    claimant,
    nonce,
    deadline,
  };
  const signature = await signer.signTypedData(domain, CLAIM_TYPES, message);
  return {
    type: REQUEST_TYPE,
    version: 1,
    function: "claimBySig",
    chainId: chainId.toString(),
    contract,
    signer: claimant,
    domain: plain(domain) as TypedDataDomain,
    primaryType: "Claim",
    message: plain(message) as Record<string, unknown>,
    signature,
  };
}

/** Reads a request file's text, checking its shape; `where` names the file in errors. */
export function parseSignedRequest(text: string, where: string): SignedRequest {
  let value: SignedRequest;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KcError(`${where} is not JSON: ${(err as Error).message}`);
  }
  if (value?.type !== REQUEST_TYPE || value.version !== 1) {
    throw new KcError(
      `${where} is not a signed request (kc register --sign-only or kc claim --sign-only writes one)`,
    );
  }
  if (value.function !== "registerBySig" && value.function !== "claimBySig") {
    throw new KcError(`${where}: unknown function ${String(value.function)}`);
  }
  if (!isHexString(value.signature) || typeof value.message !== "object" || value.message === null) {
    throw new KcError(`${where}: the signature or message is missing`);
  }
  return value;
}

/** The arguments of the contract call a request stands for. */
export function callArguments(request: SignedRequest): unknown[] {
  const m = request.message as Record<string, any>;
  if (request.function === "registerBySig") {
    const registration = {
      digest: m.digest,
      kind: m.kind,
      scheme: m.scheme,
      uri: m.uri,
      contributors: m.contributors,
      parents: m.parents,
      upstreamBps: m.upstreamBps,
      minUpstreamBps: m.minUpstreamBps,
      secret: m.secret,
    };
    return [registration, m.registrant, m.nonce, m.deadline, request.signature];
  }
  return [m.poolId, m.targets, m.recipient, m.claimant, m.maxAmount, m.nonce, m.deadline, request.signature];
}

/**
 * The account whose key made `request`'s signature (ECDSA recovery). Meaningless for a contract wallet's
 * (EIP-1271) signature, which only the contract can check.
 */
export function recoveredSigner(request: SignedRequest): string {
  const types = request.function === "registerBySig" ? REGISTER_TYPES : CLAIM_TYPES;
  return verifyTypedData(request.domain, types, request.message, request.signature);
}

export interface Relayed {
  receipt: TransactionReceipt;
  /** registerBySig: the artifact and its owner. */
  registered?: { digest: string; owner: string };
  /** claimBySig: what each slot paid. */
  claimed?: { artifact: string; slot: bigint; account: string; recipient: string; amount: bigint }[];
}

/**
 * Checks that `request` is for this chain and these contracts and that an EOA signature recovers to its
 * signer (a contract wallet's is left to the contract); returns the contract it calls. Views only.
 */
export async function checkRequest(
  request: SignedRequest,
  relayer: Signer,
  contracts: { registry: KnowledgeRegistry; pools: RewardPools },
): Promise<KnowledgeRegistry | RewardPools> {
  const chainId = await chainIdOf(relayer);
  if (request.chainId !== chainId.toString()) {
    throw new KcError(`the request is signed for chain ${request.chainId}, this network is chain ${chainId}`);
  }
  const target = request.function === "registerBySig" ? contracts.registry : contracts.pools;
  const expected = await target.getAddress();
  if (getAddress(request.contract) !== getAddress(expected)) {
    throw new KcError(
      `the request is signed for ${request.contract}, this deployment's ${request.function === "registerBySig" ? "registry" : "pools"} is ${expected}`,
    );
  }
  const isContractWallet = (await relayer.provider!.getCode(request.signer)) !== "0x";
  if (!isContractWallet && getAddress(recoveredSigner(request)) !== getAddress(request.signer)) {
    throw new KcError(
      `the signature does not belong to ${request.signer}: the request was changed after signing`,
    );
  }
  return target;
}

/** Sends `request` from `relayer` (who pays the gas) after {@link checkRequest} and a simulation. */
export async function relay(
  request: SignedRequest,
  relayer: Signer,
  contracts: { registry: KnowledgeRegistry; pools: RewardPools },
  options: SendOptions = {},
): Promise<Relayed> {
  const target = await checkRequest(request, relayer, contracts);
  const sent = await sendCall(
    relayer,
    target,
    request.function,
    callArguments(request),
    `${request.function} signed by ${request.signer}`,
    options,
  );
  const result: Relayed = { receipt: sent.steps[0].receipt };
  const [registered] = eventsNamed(sent.events, "ArtifactRegistered");
  if (registered) result.registered = { digest: registered.args.digest, owner: registered.args.owner };
  const claims = eventsNamed(sent.events, "RewardsClaimed");
  if (claims.length > 0) {
    result.claimed = claims.map(({ args }) => ({
      artifact: args.artifact,
      slot: args.slot,
      account: args.account,
      recipient: args.recipient,
      amount: args.amount,
    }));
  }
  return result;
}

/**
 * With commit-reveal on, a signed registration still needs its commitment on-chain; the relayer makes it (the
 * commitment binds the registrant, so it cannot be used for anyone else). Returns when it was made, reusing a
 * live one; the caller waits out `minCommitAge` before relaying.
 */
export async function commitForRequest(
  registry: KnowledgeRegistry,
  relayer: Signer,
  request: SignedRequest,
): Promise<{ commitment: string; committedAt: bigint; readyAt: bigint; expiresAt: bigint; txHash?: string }> {
  const m = request.message as Record<string, string>;
  const [minAge, maxAge] = await Promise.all([registry.minCommitAge(), registry.maxCommitAge()]);
  const commitment = await registry.commitmentFor(m.digest, m.registrant, m.secret);
  let committedAt = await registry.commitments(commitment);
  if (committedAt === (1n << 256n) - 1n) throw new KcError(`commitment ${commitment} was already revealed`);
  const now = BigInt((await relayer.provider!.getBlock("latest"))!.timestamp);
  let txHash: string | undefined;
  if (committedAt === 0n || now > committedAt + maxAge) {
    const [step] = (await sendCall(relayer, registry, "commit", [commitment], `commit ${commitment}`)).steps;
    committedAt = BigInt((await relayer.provider!.getBlock(step.blockNumber))!.timestamp);
    txHash = step.hash;
  }
  return { commitment, committedAt, readyAt: committedAt + minAge, expiresAt: committedAt + maxAge, txHash };
}

async function deadlineIn(signer: Signer, seconds: bigint): Promise<bigint> {
  const latest = await signer.provider!.getBlock("latest");
  return BigInt(latest!.timestamp) + seconds;
}

/**
 * Checks `input` as `register` would for the signer (views only), then signs it for `registerBySig`, valid
 * for `validFor` seconds of chain time. With commit-reveal on, a fresh secret (or `input.secret`) goes into
 * the request; the relayer commits to it.
 */
export async function signRegistrationRequest(
  registry: KnowledgeRegistry,
  signer: Signer,
  input: RegistrationInput,
  validFor: bigint,
): Promise<SignedRequest> {
  if (input.versionOf) throw new KcError("registerBySig registers no versions: a version cannot be signed");
  await checkRegistration(registry, input, await signer.getAddress());
  const commitReveal = (await registry.minCommitAge()) > 0n;
  const secret = input.secret ?? (commitReveal ? hexlify(randomBytes(32)) : ZeroHash);
  return signRegistration(
    registry,
    signer,
    registrationOf(input, secret),
    await deadlineIn(signer, validFor),
  );
}
