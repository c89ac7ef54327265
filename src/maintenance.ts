import { type Signer, ZeroAddress, getAddress } from "ethers";

import type { KnowledgeRegistry } from "../typechain-types";
import { KcError } from "./errors";
import { type PlanResult, type SendOptions, eventNamed, sendCall } from "./tx";

/**
 * An artifact's upkeep after registration, ethers only: a contributor moves its slot to a new key; the
 * owner sets the URI, retracts, or transfers ownership. Each write takes the one write path (src/tx.ts):
 * simulated before it is sent, its receipt read by event name.
 */

export interface Sent {
  txHash: string;
  blockNumber: number;
}

/** The sent transaction of a one-call plan and the args of its event `name`. */
function outcome(result: PlanResult, name: string) {
  const [step] = result.steps;
  return { args: eventNamed(result.events, name).args, txHash: step.hash, blockNumber: step.blockNumber };
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
  options: SendOptions = {},
): Promise<Sent & { slot: bigint; from: string; to: string; share: bigint }> {
  await requireArtifact(registry, digest);
  const account = await signer.getAddress();
  let chosen = slot;
  if (chosen === undefined) {
    const found = await registry.slotOf(digest, account);
    if (!found.found) throw new KcError(`${account} holds no contributor slot of ${digest}; use --from`);
    chosen = found.slot;
  }
  const result = await sendCall(
    signer,
    registry,
    "moveSlot",
    [digest, chosen, newAccount],
    `move slot ${chosen} of ${digest} to ${newAccount}`,
    options,
  );
  const { args: moved, txHash, blockNumber } = outcome(result, "ContributorSlotMoved");
  const [, share] = await registry.slotHolder(digest, chosen);
  return {
    slot: moved.slot as bigint,
    from: getAddress(moved.from as string),
    to: getAddress(moved.to as string),
    share,
    txHash,
    blockNumber,
  };
}

/** Flags `digest` as retracted with `reason` (owner only; cannot be undone). */
export async function retract(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  reason: string,
  options: SendOptions = {},
): Promise<Sent & { reason: string }> {
  const info = await requireArtifact(registry, digest);
  if (info.retracted) throw new KcError(`artifact ${digest} is already retracted`);
  const result = await sendCall(signer, registry, "retract", [digest, reason], `retract ${digest}`, options);
  const { args, txHash, blockNumber } = outcome(result, "ArtifactRetracted");
  return { reason: args.reason as string, txHash, blockNumber };
}

/** Sets the metadata URI of `digest` (owner only). */
export async function setURI(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  uri: string,
  options: SendOptions = {},
): Promise<Sent & { uri: string; previous: string }> {
  await requireArtifact(registry, digest);
  const previous = await registry.tokenURI(BigInt(digest));
  const result = await sendCall(
    signer,
    registry,
    "setURI",
    [digest, uri],
    `set the URI of ${digest}`,
    options,
  );
  const { args, txHash, blockNumber } = outcome(result, "URIUpdated");
  return { uri: args.uri as string, previous, txHash, blockNumber };
}

/** Transfers ownership of `digest` (the ERC-721 token) to `to`; contributors and shares do not change. */
export async function transferArtifact(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  to: string,
  options: SendOptions = {},
): Promise<Sent & { from: string; to: string }> {
  const info = await requireArtifact(registry, digest);
  const from = await signer.getAddress();
  if (getAddress(info.owner) !== getAddress(from)) {
    throw new KcError(`only the owner of ${digest} (${info.owner}) may transfer it, not ${from}; use --from`);
  }
  const result = await sendCall(
    signer,
    registry,
    "transferFrom",
    [from, to, BigInt(digest)],
    `transfer ${digest} to ${to}`,
    options,
  );
  const { args, txHash, blockNumber } = outcome(result, "Transfer");
  return { from: getAddress(args.from as string), to: getAddress(args.to as string), txHash, blockNumber };
}

/**
 * Approves `to` to transfer `digest` (ERC-721 `approve`; the zero address clears the approval). The owner
 * or an operator the owner approved for all its artifacts may do it; a transfer clears it.
 */
export async function approveArtifact(
  registry: KnowledgeRegistry,
  signer: Signer,
  digest: string,
  to: string,
  options: SendOptions = {},
): Promise<Sent & { owner: string; approved: string }> {
  const info = await requireArtifact(registry, digest);
  const from = await signer.getAddress();
  if (getAddress(info.owner) !== getAddress(from) && !(await registry.isApprovedForAll(info.owner, from))) {
    throw new KcError(
      `only the owner of ${digest} (${info.owner}) or an operator it approved may approve, not ${from}; use --from`,
    );
  }
  const what = to === ZeroAddress ? `clear the approval of ${digest}` : `approve ${to} for ${digest}`;
  const result = await sendCall(signer, registry, "approve", [to, BigInt(digest)], what, options);
  const { args, txHash, blockNumber } = outcome(result, "Approval");
  return {
    owner: getAddress(args.owner as string),
    approved: getAddress(args.approved as string),
    txHash,
    blockNumber,
  };
}

/**
 * Lets `operator` transfer and approve every artifact the signer owns, now and later (ERC-721
 * `setApprovalForAll`), or revokes that with `approved` false.
 */
export async function setOperator(
  registry: KnowledgeRegistry,
  signer: Signer,
  operator: string,
  approved: boolean,
  options: SendOptions = {},
): Promise<Sent & { owner: string; operator: string; approved: boolean }> {
  const owner = await signer.getAddress();
  const what = `${approved ? "approve" : "revoke"} ${operator} as operator of ${owner}'s artifacts`;
  const result = await sendCall(signer, registry, "setApprovalForAll", [operator, approved], what, options);
  const { args, txHash, blockNumber } = outcome(result, "ApprovalForAll");
  return {
    owner: getAddress(args.owner as string),
    operator: getAddress(args.operator as string),
    approved: args.approved as boolean,
    txHash,
    blockNumber,
  };
}
