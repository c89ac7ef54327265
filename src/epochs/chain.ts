import { type BaseContract, Contract, type ContractRunner, type EventLog, Interface, type Log } from "ethers";

import type { KnowledgeRegistry, ScoredPrograms } from "../../typechain-types";
import { KcError } from "../errors";
import { AdaptiveRange, getLogsAdaptive } from "../history/logs";
import { SnapshotBuilder, type RegistrySnapshot } from "./snapshot";

/**
 * What the epoch tools read from a chain: the registry's facts at a block (rebuilt from its events, so a million
 * artifacts cost a few log queries rather than millions of calls) and a program's roots and funding.
 */

/**
 * Logs of `names` emitted by `contract` in [fromBlock, toBlock], in chain order, read in windows that adapt to
 * what the provider accepts (the history index's reader, `getLogsAdaptive`).
 */
export async function logsOf(
  contract: BaseContract,
  names: string[],
  fromBlock: number,
  toBlock: number,
  onProgress?: (done: number, total: number) => void,
): Promise<EventLog[]> {
  const iface = contract.interface as Interface;
  const topics = names.map((n) => iface.getEvent(n)!.topicHash);
  const address = await contract.getAddress();
  const provider = contract.runner!.provider!;
  const logs: Log[] = await getLogsAdaptive(
    provider,
    { address: [address], topics: [topics] },
    fromBlock,
    toBlock,
    new AdaptiveRange(),
    (_from, to) => onProgress?.(to - fromBlock + 1, toBlock - fromBlock + 1),
  );
  const out: EventLog[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog(log);
    if (parsed) out.push(Object.assign(log, { args: parsed.args, eventName: parsed.name }) as unknown as EventLog);
  }
  return out;
}

/** The registry's facts at `block`: registrations, slot moves and retractions up to and including it. */
export async function snapshotFromChain(
  registry: KnowledgeRegistry,
  fromBlock: number,
  block: number,
  onProgress?: (done: number, total: number) => void,
): Promise<RegistrySnapshot> {
  const logs = await logsOf(
    registry,
    ["ArtifactRegistered", "ContributorSlotMoved", "ArtifactRetracted"],
    fromBlock,
    block,
    onProgress,
  );
  const builder = new SnapshotBuilder();
  for (const log of logs) {
    const a = log.args;
    if (log.eventName === "ArtifactRegistered") {
      builder.register(
        a.digest,
        (a.contributors as { account: string; share: bigint }[]).map((c) => ({
          account: c.account,
          share: c.share,
        })),
        [...(a.parents as string[])],
        Number(a.upstreamBps),
      );
    } else if (log.eventName === "ContributorSlotMoved") {
      builder.moveSlot(a.digest, Number(a.slot), a.to);
    } else {
      builder.retract(a.digest);
    }
  }
  return builder.finish(block);
}

export type ProgramView = Awaited<ReturnType<ScoredPrograms["program"]>>;

/** The state of `programId`, or a clear error naming the ids that exist. */
export async function requireProgram(
  programs: ScoredPrograms,
  programId: bigint,
  blockTag?: number,
): Promise<ProgramView> {
  const count = await programs.programCount({ blockTag });
  if (programId < 1n || programId > count) {
    const known =
      count === 0n
        ? "no programs exist yet"
        : count === 1n
          ? "only program #1 exists"
          : `programs are #1 to #${count}`;
    throw new KcError(
      `no program #${programId}${blockTag !== undefined ? ` at block ${blockTag}` : ""} (${known})`,
    );
  }
  return programs.program(programId, { blockTag });
}

export interface PostedRoot {
  epoch: number;
  root: string;
  cumulativeTotal: bigint;
  validAt: bigint;
  usageHash: string;
  usageURI: string;
  allocationHash: string;
  allocationURI: string;
  blockNumber: number;
  txHash: string;
  status: "active" | "pending" | "vetoed" | "replaced" | "superseded";
}

/** Every root posted to `programId`, oldest first, with what became of it. */
export async function postedRoots(
  programs: ScoredPrograms,
  programId: bigint,
  fromBlock: number,
): Promise<PostedRoot[]> {
  const latest = await programs.runner!.provider!.getBlockNumber();
  const logs = (
    await logsOf(
      programs,
      ["RootPosted", "RootVetoed", "RootActivated", "PendingRootReplaced"],
      fromBlock,
      latest,
    )
  ).filter((l) => l.args.programId === programId);
  const roots: PostedRoot[] = [];
  let current: PostedRoot | undefined;
  for (const log of logs) {
    const a = log.args;
    if (log.eventName === "RootPosted") {
      current = {
        epoch: Number(a.epoch),
        root: a.root,
        cumulativeTotal: a.cumulativeTotal,
        validAt: a.validAt,
        usageHash: a.usageHash,
        usageURI: a.usageURI,
        allocationHash: a.allocationHash,
        allocationURI: a.allocationURI,
        blockNumber: log.blockNumber,
        txHash: log.transactionHash,
        status: "pending",
      };
      roots.push(current);
    } else if (log.eventName === "PendingRootReplaced" && current) {
      current.status = "replaced";
    } else if (log.eventName === "RootVetoed" && current) {
      current.status = "vetoed";
    } else if (log.eventName === "RootActivated" && current) {
      for (const r of roots) if (r.status === "active") r.status = "superseded";
      current.status = "active";
    }
  }
  // A pending root whose window has ended is active already (promoted by the next claim, post or activate).
  const view = await programs.program(programId);
  const last = roots[roots.length - 1];
  if (
    last &&
    last.status === "pending" &&
    view.activeRoot === last.root &&
    BigInt(view.activeEpoch) === BigInt(last.epoch)
  ) {
    for (const r of roots) if (r.status === "active") r.status = "superseded";
    last.status = "active";
  }
  return roots;
}

/** The programs contract at `address` (human-readable ABI-free: the compiled artifact's, via the caller). */
export function programsAt(address: string, abi: Interface, runner: ContractRunner): ScoredPrograms {
  return new Contract(address, abi, runner) as unknown as ScoredPrograms;
}

/** EIP-712 types of a signed program claim (without EIP712Domain). */
export const PROGRAM_CLAIM_TYPES = {
  Claim: [
    { name: "programId", type: "uint256" },
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "maxAmount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The EIP-712 domain of the programs contract at `address`. */
export function programsDomain(chainId: bigint, address: string) {
  return { name: "ScoredPrograms", version: "1", chainId, verifyingContract: address };
}
