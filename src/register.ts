import { type Provider, type Signer, ZeroHash, hexlify, randomBytes, toUtf8Bytes } from "ethers";

import type { KnowledgeRegistry } from "../typechain-types";
import { findRevertData } from "./decodeError";
import { KcError } from "./errors";
import { formatBps, humanDuration } from "./format";
import { type Contributor, MAX_SHARE } from "./parse";
import {
  type PlanResult,
  type SendOptions,
  type SplitOptions,
  planSplit,
  rangeLabel,
  sendCall,
  sendPlan,
} from "./tx";

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

export interface RegisterOptions {
  /** Progress lines (commit sent, waiting, …). */
  status?: Status;
  /**
   * Moves chain time forward by `seconds` and mines, on a development chain that allows it (the CLI
   * passes one for the in-process Hardhat network). Without it the wait for a commitment to age is
   * real time.
   */
  advanceTime?: (seconds: number) => Promise<void>;
  /**
   * Called about every second while waiting for a commitment to age, with the seconds left by the chain's
   * clock (a countdown for a UI; `status` gets a line every 10 s).
   */
  onWait?: (secondsLeft: number) => void;
}

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

/** The `Registration` struct `register` takes for `input` with `secret`. */
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
 * commitment for `input.secret`), waits out `minCommitAge` — through `options.advanceTime` when given,
 * in real time otherwise, with progress through `status` — then reveals. Every transaction is
 * simulated first (the one write path, `tx.ts`).
 */
export async function registerArtifact(
  registry: KnowledgeRegistry,
  signer: Signer,
  input: RegistrationInput,
  options: RegisterOptions = {},
): Promise<RegisterOutcome> {
  const status = options.status ?? (() => {});
  const provider = signer.provider;
  if (!provider) throw new KcError("the signer has no provider");
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
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    if (committedAt === COMMITMENT_USED) throw new KcError(`commitment ${commitment} was already revealed`);
    let txHash: string | undefined;
    if (committedAt !== 0n && now < committedAt + maxAge) {
      status(
        `reusing commitment ${commitment} made at ${new Date(Number(committedAt) * 1000).toISOString()}`,
      );
    } else {
      const [tx] = (await sendCall(signer, registry, "commit", [commitment], `commit ${input.digest}`)).steps;
      txHash = tx.hash;
      committedAt = BigInt((await provider.getBlock(tx.blockNumber))!.timestamp);
      status(`committed (tx ${tx.hash}); if this run stops, rerun with --secret ${secret}`);
    }
    const readyAt = committedAt + minAge;
    await waitForReveal(
      provider,
      options.advanceTime,
      readyAt,
      committedAt + maxAge,
      () => send({ blockTag: "pending" }),
      registry,
      status,
      options.onWait,
      committedAt,
    );
    commit = { commitment, secret, txHash, waited: 0 };
  }

  // The pending block is the one the transaction lands in; a local node's latest block may be older.
  await send({ blockTag: "pending" });
  const [tx] = (
    await sendCall(
      signer,
      registry,
      input.versionOf ? "registerVersion" : "register",
      input.versionOf ? [input.versionOf, registration] : [registration],
      `register ${input.digest}`,
    )
  ).steps;
  if (commit) {
    const revealedAt = (await provider.getBlock(tx.blockNumber))!.timestamp;
    commit.waited = revealedAt - Number(committedAt);
  }
  return { txHash: tx.hash, blockNumber: tx.blockNumber, parents: registration.parents, commit };
}

/**
 * Waits until a reveal would be accepted, by the chain's clock: a node's time may run ahead of this
 * machine's (a moved test node, a skewed server), so waiting until the local clock reaches `readyAt`
 * could last days. With `advanceTime` (the in-process network, which has no wall clock worth waiting for) time moves.
 * Elsewhere: sleep for as long as the chain still needs (its latest timestamp, advanced by the local
 * time since it was read, and read again every few seconds in case the chain's time jumped), then simulate
 * against the pending block (a local node's latest block keeps its old timestamp until the next
 * transaction) until `CommitmentTooNew` is gone.
 */
export async function waitForReveal(
  provider: Provider,
  advanceTime: RegisterOptions["advanceTime"],
  readyAt: bigint,
  expiresAt: bigint,
  simulate: () => Promise<unknown>,
  registry: KnowledgeRegistry,
  status: Status,
  onWait?: RegisterOptions["onWait"],
  /** When the commitment was mined: the clock never reads earlier (a provider may serve a cached older block). */
  committedAt?: bigint,
): Promise<void> {
  const latest = async () => {
    const at = BigInt((await provider.getBlock("latest"))!.timestamp);
    return committedAt !== undefined && committedAt > at ? committedAt : at;
  };
  if (advanceTime) {
    const now = await latest();
    if (now < readyAt) {
      await advanceTime(Number(readyAt - now));
      status(`moved chain time ${humanDuration(readyAt - now)} forward for the commitment to age`);
    }
    return;
  }
  let chainClock = await chainClockOf(latest);
  let lastReport = 0;
  let lastRead = Date.now();
  for (;;) {
    if (Date.now() - lastRead >= CHAIN_CLOCK_REREAD_MS) {
      // Never backwards: a local node's latest block may be older than the estimate.
      const fresh = await chainClockOf(latest);
      if (fresh() > chainClock()) chainClock = fresh;
      lastRead = Date.now();
    }
    const left = Number(readyAt) - chainClock();
    if (left <= 0) break;
    onWait?.(Math.ceil(left));
    if (Date.now() - lastReport >= 10_000) {
      status(`waiting ${humanDuration(Math.ceil(left))} for the commitment to age before revealing…`);
      lastReport = Date.now();
    }
    await sleep(Math.min(1_000, left * 1000 + 50));
  }
  onWait?.(0);
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

/** How often a wait for a commitment to age reads the chain's time again. */
const CHAIN_CLOCK_REREAD_MS = 3_000;

/**
 * The chain's time in seconds, estimated between reads: its latest block's timestamp plus the local
 * time elapsed since, never behind the local clock's view of how much time passed.
 */
export async function chainClockOf(latest: () => Promise<bigint>): Promise<() => number> {
  const readAt = Date.now();
  const chainNow = Number(await latest());
  return () => chainNow + (Date.now() - readAt) / 1000;
}

export interface BatchOutcome {
  /** Digests registered, in input order. */
  digests: string[];
  /** The commit transactions (none with commit-reveal off) and the registration transactions. */
  commits?: PlanResult;
  registrations: PlanResult;
  notes: string[];
}

/**
 * Registers many artifacts as `signer` through the one write path, as few transactions as fit the
 * per-transaction gas cap (the registry's `multicall`). With commit-reveal on: every commitment goes first
 * (`commit` calls batched the same way, each step simulated before any is sent), then the wait for
 * `minCommitAge` on chain time (`advanceTime` on a development chain), then the registrations, each batch
 * simulated before any is sent. Each input is checked with views first, so bad input costs no commit.
 */
export async function registerMany(
  registry: KnowledgeRegistry,
  signer: Signer,
  inputs: RegistrationInput[],
  options: RegisterOptions & SendOptions & SplitOptions = {},
): Promise<BatchOutcome> {
  const status = options.status ?? (() => {});
  const provider = signer.provider;
  if (!provider) throw new KcError("the signer has no provider");
  if (inputs.length === 0) throw new KcError("nothing to register");
  if (inputs.some((i) => i.versionOf)) throw new KcError("a batch registers new artifacts, not versions");
  const seen = new Set<string>();
  for (const input of inputs) {
    const key = input.digest.toLowerCase();
    if (seen.has(key)) throw new KcError(`digest ${input.digest} is listed twice`);
    seen.add(key);
  }
  const registrant = await signer.getAddress();
  // Every step of a plan is simulated against the chain as it is, so a batch cannot build on itself.
  for (const input of inputs) {
    const inside = input.parents.find((p) => seen.has(p.toLowerCase()));
    if (inside) {
      throw new KcError(`parent ${inside} is in the same batch; register parents in an earlier batch`);
    }
  }
  await Promise.all(inputs.map((input) => checkRegistration(registry, input, registrant)));
  const minAge = await registry.minCommitAge();
  const to = registry.target as string;
  const secrets = inputs.map((i) => i.secret ?? (minAge === 0n ? ZeroHash : hexlify(randomBytes(32))));
  const notes: string[] = [];

  let commits: PlanResult | undefined;
  if (minAge !== 0n) {
    const commitments = await Promise.all(
      inputs.map((input, i) => registry.commitmentFor(input.digest, registrant, secrets[i])),
    );
    const commitPlan = await planSplit(
      signer,
      commitments,
      (chunk) => ({
        to,
        data: registry.interface.encodeFunctionData("multicall", [
          chunk.map((c) => registry.interface.encodeFunctionData("commit", [c])),
        ]),
      }),
      (chunk, from) => `commit ${rangeLabel(from, chunk.length, commitments.length, "registrations")}`,
      `${commitments.length} commitments`,
      options,
    );
    notes.push(...commitPlan.notes);
    commits = await sendPlan(commitPlan, signer, options);
    const last = commits.steps[commits.steps.length - 1];
    const committedAt = BigInt((await provider.getBlock(last.blockNumber))!.timestamp);
    const firstAt = BigInt((await provider.getBlock(commits.steps[0].blockNumber))!.timestamp);
    status(
      `committed ${commitments.length} registrations; revealing once the commitments are ${minAge}s old`,
    );
    const probe = registrationOf(inputs[inputs.length - 1], secrets[inputs.length - 1]);
    await waitForReveal(
      provider,
      options.advanceTime,
      committedAt + minAge,
      firstAt + (await registry.maxCommitAge()),
      () => registry.connect(signer).register.estimateGas(probe, { blockTag: "pending" } as never),
      registry,
      status,
      options.onWait,
      committedAt,
    );
  }
  const calls = inputs.map((input, i) => registrationOf(input, secrets[i]));
  const plan = await planSplit(
    signer,
    calls,
    (chunk) => ({
      to,
      data: registry.interface.encodeFunctionData("multicall", [
        chunk.map((r) => registry.interface.encodeFunctionData("register", [r])),
      ]),
    }),
    (chunk, from) => `register ${rangeLabel(from, chunk.length, calls.length, "artifacts")}`,
    `${calls.length} registrations`,
    options,
  );
  notes.push(...plan.notes);
  const registrations = await sendPlan(plan, signer, options);
  return { digests: inputs.map((i) => i.digest), commits, registrations, notes };
}
