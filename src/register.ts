import {
  type ContractTransactionReceipt,
  type Signer,
  ZeroHash,
  hexlify,
  randomBytes,
  toUtf8Bytes,
} from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { KnowledgeRegistry } from "../typechain-types";
import { findRevertData } from "./decodeError";
import { KcError } from "./errors";
import { formatBps, humanDuration } from "./format";
import { type Contributor, MAX_SHARE } from "./parse";

/** Everything `kc register` needs; values already parsed (see parse.ts). */
export interface RegistrationInput {
  digest: string;
  kind: number;
  /** `IKnowledgeRegistry.DigestScheme` of `digest` (0 raw bytes, 1 UnixFS root, 2 manifest); 0 if omitted. */
  scheme?: number;
  uri: string;
  contributors: Contributor[];
  parents: string[];
  upstreamBps: number;
  minUpstreamBps: number;
  /** Register as the next version of this digest (`registerVersion`); it becomes the first parent. */
  versionOf?: string;
  /** Commit-reveal secret to reuse (from an interrupted run); a fresh random one otherwise. */
  secret?: string;
}

export interface RegisterOutcome {
  txHash: string;
  blockNumber: number;
  /** Parents as registered (a version's previous digest first). */
  parents: string[];
  commit?: {
    commitment: string;
    secret: string;
    /** Absent when an earlier commitment with the same secret was reused. */
    txHash?: string;
    /** Seconds between the commitment and the reveal. */
    waited: number;
  };
}

type Status = (message: string) => void;

const COMMITMENT_USED = (1n << 256n) - 1n;

/** The parents list a registration goes on-chain with: a version's previous digest comes first. */
export function parentsFor(input: RegistrationInput): string[] {
  if (!input.versionOf) return input.parents;
  return [input.versionOf, ...input.parents.filter((p) => p !== input.versionOf)];
}

/**
 * Every check `register`/`registerVersion` makes, done with views before anything is sent, so bad
 * input never costs a commit transaction (the reveal alone cannot be simulated before committing).
 */
export async function checkRegistration(
  registry: KnowledgeRegistry,
  input: RegistrationInput,
  registrant: string,
): Promise<void> {
  const { digest } = input;
  if (digest === ZeroHash) throw new KcError("the digest must not be zero");
  if (await registry.exists(digest)) {
    const owner = (await registry.artifact(digest)).owner;
    throw new KcError(`artifact ${digest} is already registered (owner ${owner}); see kc show ${digest}`);
  }
  const [maxUri, maxContributors, maxParents] = await Promise.all([
    registry.MAX_URI_LENGTH(),
    registry.MAX_CONTRIBUTORS(),
    registry.MAX_PARENTS(),
  ]);
  const uriBytes = toUtf8Bytes(input.uri).length;
  if (uriBytes > maxUri) throw new KcError(`URI is ${uriBytes} bytes long, at most ${maxUri} are allowed`);
  if (input.contributors.length === 0) throw new KcError("give at least one contributor");
  if (input.contributors.length > maxContributors) {
    throw new KcError(`too many contributors: ${input.contributors.length} (at most ${maxContributors})`);
  }
  const total = input.contributors.reduce((sum, c) => sum + c.share, 0n);
  if (total > MAX_SHARE)
    throw new KcError(`shares add up to ${total}, more than ${MAX_SHARE}; use smaller numbers`);

  const parents = parentsFor(input);
  if (parents.length > maxParents)
    throw new KcError(`too many parents: ${parents.length} (at most ${maxParents})`);
  if (parents.length === 0 && input.upstreamBps > 0) {
    throw new KcError(`--upstream ${formatBps(input.upstreamBps)} needs --parents to flow to`);
  }
  for (const parent of parents) {
    if (parent === digest) throw new KcError(`an artifact cannot be its own parent: ${digest}`);
    if (!(await registry.exists(parent))) {
      throw new KcError(`parent ${parent} is not registered; register it first`);
    }
    const minimum = Number((await registry.artifact(parent)).minUpstreamBps);
    if (input.upstreamBps < minimum * parents.length) {
      throw new KcError(
        `parent ${parent} asks derivatives for at least ${formatBps(minimum)} upstream for itself; ` +
          `--upstream is ${formatBps(input.upstreamBps)}, shared by ${parents.length} parent(s)`,
      );
    }
    if (input.minUpstreamBps < minimum) {
      throw new KcError(
        `parent ${parent} asks at least ${formatBps(minimum)} of derivatives, so this artifact must ask ` +
          `at least as much of its own (--min-upstream is ${formatBps(input.minUpstreamBps)})`,
      );
    }
  }
  if (input.versionOf) {
    const previous = await registry.artifact(input.versionOf);
    if (previous.owner !== registrant) {
      throw new KcError(
        `only the owner of ${input.versionOf} (${previous.owner}) can register its next version, not ${registrant}`,
      );
    }
    const next = await registry.nextVersion(input.versionOf);
    if (next !== ZeroHash) throw new KcError(`${input.versionOf} already has a next version: ${next}`);
  }
}

export function registrationOf(input: RegistrationInput, secret: string) {
  return {
    digest: input.digest,
    kind: input.kind,
    scheme: input.scheme ?? 0,
    uri: input.uri,
    contributors: input.contributors.map((c) => ({ account: c.account, share: c.share })),
    parents: parentsFor(input),
    upstreamBps: input.upstreamBps,
    minUpstreamBps: input.minUpstreamBps,
    secret,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function revertName(registry: KnowledgeRegistry, err: unknown): string | undefined {
  const data = findRevertData(err);
  return data === undefined ? undefined : registry.interface.parseError(data)?.name;
}

/**
 * Registers `input` as `signer`, checking it first. With commit-reveal on, commits (or reuses a live
 * commitment for `input.secret`), waits out `minCommitAge` — by moving time on the in-process network,
 * in real time elsewhere, with progress through `status` — then reveals. Every transaction is
 * simulated with `staticCall` first.
 */
export async function registerArtifact(
  hre: HardhatRuntimeEnvironment,
  registry: KnowledgeRegistry,
  signer: Signer,
  input: RegistrationInput,
  status: Status = () => {},
): Promise<RegisterOutcome> {
  const registrant = await signer.getAddress();
  const bound = registry.connect(signer);
  await checkRegistration(registry, input, registrant);
  const minAge = await registry.minCommitAge();
  const secret = input.secret ?? (minAge === 0n ? ZeroHash : hexlify(randomBytes(32)));
  const registration = registrationOf(input, secret);
  const send = (overrides: { blockTag?: string } = {}) =>
    input.versionOf
      ? bound.registerVersion.staticCall(input.versionOf, registration, overrides)
      : bound.register.staticCall(registration, overrides);

  let commit: RegisterOutcome["commit"];
  let committedAt = 0n;
  if (minAge !== 0n) {
    const commitment = await registry.commitmentFor(input.digest, registrant, secret);
    const maxAge = await registry.maxCommitAge();
    committedAt = await registry.commitments(commitment);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    if (committedAt === COMMITMENT_USED) throw new KcError(`commitment ${commitment} was already revealed`);
    let txHash: string | undefined;
    if (committedAt !== 0n && now < committedAt + maxAge) {
      status(
        `reusing commitment ${commitment} made at ${new Date(Number(committedAt) * 1000).toISOString()}`,
      );
    } else {
      await bound.commit.staticCall(commitment);
      const tx = await bound.commit(commitment);
      const receipt = (await tx.wait())!;
      txHash = tx.hash;
      committedAt = BigInt((await hre.ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      status(`committed (tx ${tx.hash}); if this run stops, rerun with --secret ${secret}`);
    }
    const readyAt = committedAt + minAge;
    await waitForReveal(
      hre,
      readyAt,
      committedAt + maxAge,
      () => send({ blockTag: "pending" }),
      registry,
      status,
    );
    commit = { commitment, secret, txHash, waited: 0 };
  }

  // The pending block is the one the transaction lands in; a local node's latest block may be older.
  await send({ blockTag: "pending" });
  const tx = input.versionOf
    ? await bound.registerVersion(input.versionOf, registration)
    : await bound.register(registration);
  const receipt = (await tx.wait()) as ContractTransactionReceipt;
  if (commit) {
    const revealedAt = (await hre.ethers.provider.getBlock(receipt.blockNumber))!.timestamp;
    commit.waited = revealedAt - Number(committedAt);
  }
  return { txHash: tx.hash, blockNumber: receipt.blockNumber, parents: registration.parents, commit };
}

/**
 * Waits until a reveal would be accepted, by the chain's clock: a node's time may run ahead of this
 * machine's (a moved test node, a skewed server), so waiting until the local clock reaches `readyAt`
 * could last days. The in-process network has no wall clock worth waiting for, so time moves there.
 * Elsewhere: sleep for as long as the chain still needs (its latest timestamp, advanced by the local
 * time since it was read), then simulate against the pending block (a local node's latest block keeps
 * its old timestamp until the next transaction) until `CommitmentTooNew` is gone.
 */
export async function waitForReveal(
  hre: HardhatRuntimeEnvironment,
  readyAt: bigint,
  expiresAt: bigint,
  simulate: () => Promise<unknown>,
  registry: KnowledgeRegistry,
  status: Status,
): Promise<void> {
  const latest = async () => BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
  if (hre.network.name === "hardhat") {
    const now = await latest();
    if (now < readyAt) {
      await hre.network.provider.send("evm_increaseTime", [Number(readyAt - now)]);
      await hre.network.provider.send("evm_mine", []);
      status(
        `in-process network: moved time ${humanDuration(readyAt - now)} forward for the commitment to age`,
      );
    }
    return;
  }
  const chainClock = await chainClockOf(latest);
  let lastReport = 0;
  for (;;) {
    const left = Number(readyAt) - chainClock();
    if (left <= 0) break;
    if (Date.now() - lastReport >= 10_000) {
      status(`waiting ${humanDuration(left)} for the commitment to age before revealing…`);
      lastReport = Date.now();
    }
    await sleep(Math.min(1_000, left * 1000 + 50));
  }
  for (;;) {
    try {
      await simulate();
      return;
    } catch (err) {
      if (revertName(registry, err) !== "CommitmentTooNew") throw err;
    }
    if (chainClock() > Number(expiresAt))
      throw new KcError("the commitment expired before a block accepted it");
    if (Date.now() - lastReport >= 10_000) {
      status("waiting for a block late enough to reveal…");
      lastReport = Date.now();
    }
    await sleep(2_000);
  }
}

/**
 * The chain's time in seconds, estimated between reads: its latest block's timestamp plus the local
 * time elapsed since, never behind the local clock's view of how much time passed.
 */
export async function chainClockOf(latest: () => Promise<bigint>): Promise<() => number> {
  const readAt = Date.now();
  const chainNow = Number(await latest());
  return () => chainNow + (Date.now() - readAt) / 1000;
}
