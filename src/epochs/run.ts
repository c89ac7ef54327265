import { basename } from "node:path";

import type { KnowledgeRegistry, ScoredPrograms } from "../../typechain-types";
import { KcError } from "../errors";
import { postedRoots, requireProgram, snapshotFromChain, type PostedRoot } from "./chain";
import {
  allocationHash,
  computeEpoch,
  readManifest,
  readPreviousEpoch,
  writeEpoch,
  type EpochResult,
  type Manifest,
  type PreviousEpoch,
  type Progress,
} from "./epoch";
import { readUsage } from "./usage";

/** The chain side of an epoch: which program, where its contracts are, where scanning for events starts. */
export interface EpochChain {
  programs: ScoredPrograms;
  programsAddress: string;
  registry: KnowledgeRegistry;
  programId: bigint;
  chainId: bigint;
  fromBlock: number;
}

export interface EpochInputs {
  usagePath: string;
  /** Registry and funding are read at this block. */
  block: number;
  epoch: number;
  /** New funds to distribute (base units); undefined: everything received by `block` and not yet allocated. */
  budget?: bigint;
  /** Folder of the program's epochs (`<dir>/epoch-<E>/`); the previous epoch's allocation is read from it. */
  dir: string;
}

/** The next epoch to post: the active epoch + 1 (a pending root of that epoch would be replaced). */
export async function nextEpoch(chain: EpochChain): Promise<number> {
  const view = await requireProgram(chain.programs, chain.programId);
  return Number(view.activeEpoch) + 1;
}

/** The root of `epoch` that counts on-chain: the last one posted for it that was not vetoed. */
export function rootOfEpoch(roots: PostedRoot[], epoch: number): PostedRoot | undefined {
  return roots.filter((r) => r.epoch === epoch && r.status !== "vetoed" && r.status !== "replaced").pop();
}

async function previousFor(chain: EpochChain, inputs: EpochInputs): Promise<PreviousEpoch | undefined> {
  if (inputs.epoch <= 1) return undefined;
  const previous = await readPreviousEpoch(inputs.dir, inputs.epoch - 1);
  const onChain = rootOfEpoch(
    await postedRoots(chain.programs, chain.programId, chain.fromBlock),
    inputs.epoch - 1,
  );
  if (!onChain || (onChain.status !== "active" && onChain.status !== "superseded")) {
    throw new KcError(`epoch ${inputs.epoch - 1} of program #${chain.programId} is not active on-chain yet`);
  }
  if (onChain.root !== previous.root) {
    throw new KcError(
      `the allocation of epoch ${inputs.epoch - 1} in ${inputs.dir} has root ${previous.root}, ` +
        `but the chain's root of that epoch is ${onChain.root}`,
    );
  }
  return previous;
}

/** Computes an epoch from the chain and the usage file; writes its files unless `write` is false. */
export async function runEpoch(
  chain: EpochChain,
  inputs: EpochInputs,
  options: { write: boolean; progress?: Progress },
): Promise<{ result: EpochResult; manifest: Manifest; folder?: string; received: bigint }> {
  const { progress } = options;
  const latest = await chain.programs.runner!.provider!.getBlockNumber();
  if (!Number.isInteger(inputs.block) || inputs.block < 0 || inputs.block > latest) {
    throw new KcError(`--block ${inputs.block} is not a mined block (the chain is at block ${latest})`);
  }
  const view = await requireProgram(chain.programs, chain.programId, inputs.block);
  const previous = await previousFor(chain, inputs);
  const prevTotal = previous?.total ?? 0n;
  const dustIn = previous?.dust ?? 0n;
  const received = BigInt(view.received);
  const available = received - prevTotal;
  let distributable = available;
  if (inputs.budget !== undefined) {
    distributable = inputs.budget + dustIn;
    if (distributable > available) {
      throw new KcError(
        `budget ${inputs.budget} (plus ${dustIn} carried dust) is more than program #${chain.programId} ` +
          `has not yet allocated at block ${inputs.block}: ${available} base units`,
      );
    }
  }
  const snapshot = await snapshotFromChain(chain.registry, chain.fromBlock, inputs.block, (d, t) =>
    progress?.("registry events", d, t),
  );
  const usage = await readUsage(inputs.usagePath);
  progress?.("read usage", 1, 1);
  const result = computeEpoch(snapshot, usage, distributable, previous, progress);
  const base = {
    format: "kc-epoch/1" as const,
    chainId: chain.chainId.toString(),
    programs: chain.programsAddress,
    program: chain.programId.toString(),
    epoch: inputs.epoch,
    block: inputs.block,
    usage: {
      file: basename(inputs.usagePath),
      sha256: usage.sha256,
      format: usage.format,
      entries: usage.digests.length,
      units: usage.totalUnits.toString(),
      skippedRetracted: result.allocation.skipped.length,
    },
    budget: inputs.budget === undefined ? null : inputs.budget.toString(),
    dustIn: dustIn.toString(),
    distributable: distributable.toString(),
    previous: previous
      ? { epoch: previous.epoch, root: previous.root, cumulativeTotal: previous.total.toString() }
      : null,
  };
  if (options.write) {
    const { manifest, folder } = await writeEpoch(inputs.dir, result, base, progress);
    return { result, manifest, folder, received };
  }
  const manifest: Manifest = {
    ...base,
    allocated: result.allocation.allocated.toString(),
    dustOut: result.allocation.dust.toString(),
    accounts: result.accounts.length,
    cumulativeTotal: result.cumulativeTotal.toString(),
    root: result.root,
    allocationSha256: await allocationHash(result),
  };
  return { result, manifest, received };
}

export interface VerifyReport {
  epoch: number;
  match: boolean;
  posted: PostedRoot;
  computed: Manifest;
  checks: { name: string; ok: boolean; posted: string; computed: string }[];
}

/** Rebuilds epoch `epoch` from public inputs and compares it with what was posted. */
export async function verifyEpoch(
  chain: EpochChain,
  inputs: Omit<EpochInputs, "block" | "budget"> & { block?: number; budget?: bigint },
  progress?: Progress,
): Promise<VerifyReport> {
  const roots = await postedRoots(chain.programs, chain.programId, chain.fromBlock);
  const posted = rootOfEpoch(roots, inputs.epoch);
  if (!posted) {
    const vetoed = roots.some((r) => r.epoch === inputs.epoch);
    throw new KcError(
      `program #${chain.programId} has no ${vetoed ? "standing (every one was vetoed or replaced) " : ""}root for epoch ${inputs.epoch}`,
    );
  }
  const manifest = readManifest(inputs.dir, inputs.epoch);
  const block = inputs.block ?? manifest?.block;
  if (block === undefined) {
    throw new KcError(
      `pass --block: the registry block of epoch ${inputs.epoch} (it is in the epoch's published manifest.json)`,
    );
  }
  const budget = inputs.budget ?? (manifest?.budget != null ? BigInt(manifest.budget) : undefined);
  const { manifest: computed } = await runEpoch(
    chain,
    { ...inputs, block, budget },
    { write: false, progress },
  );
  const checks = [
    { name: "root", ok: computed.root === posted.root, posted: posted.root, computed: computed.root },
    {
      name: "cumulative total",
      ok: BigInt(computed.cumulativeTotal) === posted.cumulativeTotal,
      posted: posted.cumulativeTotal.toString(),
      computed: computed.cumulativeTotal,
    },
    {
      name: "usage hash",
      ok: computed.usage.sha256 === posted.usageHash,
      posted: posted.usageHash,
      computed: computed.usage.sha256,
    },
    {
      name: "allocation hash",
      ok: computed.allocationSha256 === posted.allocationHash,
      posted: posted.allocationHash,
      computed: computed.allocationSha256,
    },
  ];
  return { epoch: inputs.epoch, match: checks.every((c) => c.ok), posted, computed, checks };
}
