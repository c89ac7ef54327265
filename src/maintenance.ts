import { type ContractTransactionReceipt, type Signer, getAddress } from "ethers";

import type { KnowledgeRegistry } from "../typechain-types";
import { KcError } from "./errors";

/**
 * An artifact's upkeep after registration, ethers only: a contributor moves its slot to a new key; the
 * owner sets the URI, retracts, or transfers ownership. Each write is simulated before it is sent, and its
 * receipt read by event name.
 */

export interface Sent {
  txHash: string;
  blockNumber: number;
}

function eventArgs(registry: KnowledgeRegistry, receipt: ContractTransactionReceipt, name: string) {
  for (const log of receipt.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new KcError(`transaction ${receipt.hash} has no ${name} event`);
}

async function requireArtifact(registry: KnowledgeRegistry, digest: string) {
  if (!(await registry.exists(digest))) throw new KcError(`artifact ${digest} is not registered`);
  return registry.artifact(digest);
}

/**
 * Moves the signer's contributor slot of `digest` (the one it holds, unless `slot` is given) to
 * `newAccount`. What the slot earned and will earn follows it; nothing stays claimable by the old key.
 */
export async function moveSlot(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  newAccount: string,
  slot?: bigint,
): Promise<Sent & { slot: bigint; from: string; to: string; share: bigint }> {
  await requireArtifact(registry, digest);
  const account = await signer.getAddress();
  let chosen = slot;
  if (chosen === undefined) {
    const found = await registry.slotOf(digest, account);
    if (!found.found) throw new KcError(`${account} holds no contributor slot of ${digest}; use --from`);
    chosen = found.slot;
  }
  const bound = registry.connect(signer);
  await bound.moveSlot.staticCall(digest, chosen, newAccount);
  const receipt = (await (await bound.moveSlot(digest, chosen, newAccount)).wait())!;
  const moved = eventArgs(registry, receipt, "ContributorSlotMoved");
  const [, share] = await registry.slotHolder(digest, chosen);
  return {
    slot: moved.slot as bigint,
    from: getAddress(moved.from as string),
    to: getAddress(moved.to as string),
    share,
    txHash: receipt.hash,
    blockNumber: receipt.blockNumber,
  };
}

/** Flags `digest` as retracted with `reason` (owner only; cannot be undone). */
export async function retract(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  reason: string,
): Promise<Sent & { reason: string }> {
  const info = await requireArtifact(registry, digest);
  if (info.retracted) throw new KcError(`artifact ${digest} is already retracted`);
  const bound = registry.connect(signer);
  await bound.retract.staticCall(digest, reason);
  const receipt = (await (await bound.retract(digest, reason)).wait())!;
  const event = eventArgs(registry, receipt, "ArtifactRetracted");
  return { reason: event.reason as string, txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/** Sets the metadata URI of `digest` (owner only). */
export async function setURI(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  uri: string,
): Promise<Sent & { uri: string; previous: string }> {
  await requireArtifact(registry, digest);
  const previous = await registry.tokenURI(BigInt(digest));
  const bound = registry.connect(signer);
  await bound.setURI.staticCall(digest, uri);
  const receipt = (await (await bound.setURI(digest, uri)).wait())!;
  const event = eventArgs(registry, receipt, "URIUpdated");
  return { uri: event.uri as string, previous, txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/** Transfers ownership of `digest` (the ERC-721 token) to `to`; contributors and shares do not change. */
export async function transferArtifact(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  to: string,
): Promise<Sent & { from: string; to: string }> {
  const info = await requireArtifact(registry, digest);
  const from = await signer.getAddress();
  if (getAddress(info.owner) !== getAddress(from)) {
    throw new KcError(`only the owner of ${digest} (${info.owner}) may transfer it, not ${from}; use --from`);
  }
  const bound = registry.connect(signer);
  const tokenId = BigInt(digest);
  await bound.transferFrom.staticCall(from, to, tokenId);
  const receipt = (await (await bound.transferFrom(from, to, tokenId)).wait())!;
  const event = eventArgs(registry, receipt, "Transfer");
  return {
    from: getAddress(event.from as string),
    to: getAddress(event.to as string),
    txHash: receipt.hash,
    blockNumber: receipt.blockNumber,
  };
}
