import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { KcError } from "../errors";
import { allocateEpoch, type EpochAllocation } from "./allocate";
import { buildTree, leafInto, rootOf, type Tree } from "./merkle";
import type { RegistrySnapshot } from "./snapshot";
import type { Usage } from "./usage";

/**
 * An epoch end to end, without a chain: the epoch's allocation, merged into the cumulative allocation of all
 * epochs so far, its Merkle tree, and the files anyone needs to check and claim it.
 *
 * Files of epoch E, in `<dir>/epoch-<E>/`:
 * - `allocation.csv`: `account,cumulative,epoch` per account with a non-zero cumulative amount, ascending by
 *   account; its SHA-256 is the allocation hash `post` publishes. `cumulative` is the leaf amount.
 * - `proofs.csv`: `account,cumulative,proof` in the same order, the proof as the sibling hashes' hex (64 digits
 *   each, bottom up, no separators), as `claim` takes them.
 * - `manifest.json`: the inputs and results (block, usage hash, distributable, dust, root, totals).
 * - `skipped.csv`: usage lines skipped because their artifact is retracted (`line,digest,units`).
 */

export interface PreviousEpoch {
  epoch: number;
  /** Cumulative amount per lowercase account. */
  cumulative: Map<string, bigint>;
  total: bigint;
  /** Dust the previous epoch carried forward. */
  dust: bigint;
  root: string;
}

export interface EpochResult {
  /** Lowercase accounts, ascending; the leaf order. */
  accounts: string[];
  cumulative: bigint[];
  epochAmounts: bigint[];
  cumulativeTotal: bigint;
  allocation: EpochAllocation;
  tree: Tree;
  root: string;
}

export type Progress = (phase: string, done: number, total: number) => void;

/** Allocates `distributable`, merges it with `previous` and builds the tree. */
export function computeEpoch(
  snapshot: RegistrySnapshot,
  usage: Pick<Usage, "digests" | "units" | "lines">,
  distributable: bigint,
  previous: PreviousEpoch | undefined,
  progress?: Progress,
): EpochResult {
  const allocation = allocateEpoch(snapshot, usage, distributable, (d, t) => progress?.("allocate", d, t));
  progress?.("allocate", snapshot.digests.length, snapshot.digests.length);
  const byAccount = new Map<string, bigint>(previous?.cumulative ?? []);
  const epochOf = new Map<string, bigint>();
  for (const [id, amount] of allocation.amounts) {
    const account = snapshot.accounts[id];
    byAccount.set(account, (byAccount.get(account) ?? 0n) + amount);
    epochOf.set(account, amount);
  }
  const accounts = [...byAccount.keys()].filter((a) => byAccount.get(a)! > 0n).sort();
  if (accounts.length === 0) {
    throw new KcError(
      "nothing to allocate: no account has a non-zero cumulative amount, so there is no tree",
    );
  }
  const cumulative = accounts.map((a) => byAccount.get(a)!);
  const epochAmounts = accounts.map((a) => epochOf.get(a) ?? 0n);
  const cumulativeTotal = cumulative.reduce((x, y) => x + y, 0n);
  const leaves = new Uint8Array(accounts.length * 32);
  for (let i = 0; i < accounts.length; i++) {
    leafInto(accounts[i].slice(2), cumulative[i], leaves, i * 32);
    if (progress && (i & 0xffff) === 0) progress("leaves", i, accounts.length);
  }
  progress?.("leaves", accounts.length, accounts.length);
  const tree = buildTree(leaves, (d) => progress?.("tree", d, accounts.length));
  progress?.("tree", accounts.length, accounts.length);
  return { accounts, cumulative, epochAmounts, cumulativeTotal, allocation, tree, root: rootOf(tree) };
}

/** Streams `lines(i)` for i in 0..count to `path` (or only hashes them); returns the SHA-256 of the bytes. */
async function streamLines(
  path: string | undefined,
  header: string,
  count: number,
  line: (i: number) => string,
  progress?: (done: number) => void,
): Promise<string> {
  const hash = createHash("sha256");
  const out = path ? createWriteStream(path) : undefined;
  const write = async (chunk: string) => {
    hash.update(chunk);
    if (out && !out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  await write(`${header}\n`);
  const BATCH = 4096;
  for (let i = 0; i < count; i += BATCH) {
    const parts: string[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) parts.push(line(j));
    await write(`${parts.join("\n")}\n`);
    progress?.(Math.min(count, i + BATCH));
  }
  if (out) {
    await new Promise<void>((resolve, reject) => {
      out.end(() => resolve());
      out.once("error", reject);
    });
  }
  return `0x${hash.digest("hex")}`;
}

/**
 * Writes `proofs.csv` by copying hex bytes into one reused buffer per batch: a million proofs are 1.2 GB of text,
 * and building them as JavaScript strings costs more than hashing the whole tree.
 */
async function writeProofs(path: string, result: EpochResult, progress?: (done: number) => void): Promise<void> {
  const levels = result.tree.levels.slice(0, -1).map((level) => {
    const hex = Buffer.from(level.buffer, level.byteOffset, level.length).toString("hex");
    return Buffer.from(hex, "latin1");
  });
  const out = createWriteStream(path);
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  await write(Buffer.from(`${PROOFS_HEADER}\n`, "latin1"));
  const BATCH = 2048;
  // account (42) + comma + amount (≤ 78) + comma + 64 per level + newline
  const lineMax = 42 + 1 + 78 + 1 + 64 * levels.length + 1;
  const n = result.accounts.length;
  for (let i = 0; i < n; i += BATCH) {
    const buf = Buffer.allocUnsafe(Math.min(BATCH, n - i) * lineMax);
    let pos = 0;
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      pos += buf.write(result.accounts[j], pos, "latin1");
      buf[pos++] = 0x2c;
      pos += buf.write(result.cumulative[j].toString(), pos, "latin1");
      buf[pos++] = 0x2c;
      let k = j;
      for (let l = 0; l < levels.length; l++) {
        const sibling = k ^ 1;
        if (sibling * 64 < levels[l].length) pos += levels[l].copy(buf, pos, sibling * 64, sibling * 64 + 64);
        k >>= 1;
      }
      buf[pos++] = 0x0a;
    }
    await write(buf.subarray(0, pos));
    progress?.(Math.min(n, i + BATCH));
  }
  await new Promise<void>((resolve, reject) => {
    out.end(() => resolve());
    out.once("error", reject);
  });
}

export const ALLOCATION_HEADER = "account,cumulative,epoch";
export const PROOFS_HEADER = "account,cumulative,proof";

/** SHA-256 of the allocation file `result` gives, without writing it. */
export function allocationHash(result: EpochResult): Promise<string> {
  return streamLines(
    undefined,
    ALLOCATION_HEADER,
    result.accounts.length,
    (i) => `${result.accounts[i]},${result.cumulative[i]},${result.epochAmounts[i]}`,
  );
}

export interface Manifest {
  format: "kc-epoch/1";
  chainId: string | null;
  programs: string | null;
  program: string | null;
  epoch: number;
  block: number;
  usage: {
    file: string;
    sha256: string;
    format: string;
    entries: number;
    units: string;
    skippedRetracted: number;
  };
  /** New funds this epoch distributes (null: everything received by the block and not yet allocated). */
  budget: string | null;
  dustIn: string;
  distributable: string;
  allocated: string;
  dustOut: string;
  accounts: number;
  cumulativeTotal: string;
  root: string;
  allocationSha256: string;
  previous: { epoch: number; root: string; cumulativeTotal: string } | null;
}

/** Writes the epoch's files to `<dir>/epoch-<epoch>/`; returns the manifest and the folder. */
export async function writeEpoch(
  dir: string,
  result: EpochResult,
  manifest: Omit<
    Manifest,
    "allocationSha256" | "root" | "cumulativeTotal" | "accounts" | "allocated" | "dustOut"
  >,
  progress?: Progress,
): Promise<{ manifest: Manifest; folder: string }> {
  const folder = join(dir, `epoch-${manifest.epoch}`);
  mkdirSync(folder, { recursive: true });
  const n = result.accounts.length;
  const allocationSha256 = await streamLines(
    join(folder, "allocation.csv"),
    ALLOCATION_HEADER,
    n,
    (i) => `${result.accounts[i]},${result.cumulative[i]},${result.epochAmounts[i]}`,
    (d) => progress?.("allocation.csv", d, n),
  );
  await writeProofs(join(folder, "proofs.csv"), result, (d) => progress?.("proofs.csv", d, n));
  const skipped = result.allocation.skipped;
  await streamLines(join(folder, "skipped.csv"), "line,digest,units", skipped.length, (i) =>
    [skipped[i].line, skipped[i].digest, skipped[i].units].join(","),
  );
  const full: Manifest = {
    ...manifest,
    allocated: result.allocation.allocated.toString(),
    dustOut: result.allocation.dust.toString(),
    accounts: n,
    cumulativeTotal: result.cumulativeTotal.toString(),
    root: result.root,
    allocationSha256,
  };
  writeFileSync(join(folder, "manifest.json"), `${JSON.stringify(full, null, 2)}\n`);
  return { manifest: full, folder };
}

/** Reads `<dir>/epoch-<epoch>/manifest.json`, or undefined if there is none. */
export function readManifest(dir: string, epoch: number): Manifest | undefined {
  const file = join(dir, `epoch-${epoch}`, "manifest.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch (err) {
    throw new KcError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Reads the cumulative allocation of `<dir>/epoch-<epoch>/` (allocation.csv + manifest.json). */
export async function readPreviousEpoch(dir: string, epoch: number): Promise<PreviousEpoch> {
  const manifest = readManifest(dir, epoch);
  const file = join(dir, `epoch-${epoch}`, "allocation.csv");
  if (!manifest || !existsSync(file)) {
    throw new KcError(
      `epoch ${epoch + 1} builds on epoch ${epoch}, but ${join(dir, `epoch-${epoch}`)} has no manifest.json ` +
        `and allocation.csv; pass --dir with the folder of the published epochs`,
    );
  }
  const cumulative = new Map<string, bigint>();
  const hash = createHash("sha256");
  const stream = createReadStream(file);
  stream.on("data", (c) => hash.update(c));
  let lineNo = 0;
  let total = 0n;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNo++;
    if (lineNo === 1) {
      if (line !== ALLOCATION_HEADER) throw new KcError(`${file}:1: expected header ${ALLOCATION_HEADER}`);
      continue;
    }
    if (line === "") continue;
    const [account, amount] = line.split(",");
    if (!/^0x[0-9a-f]{40}$/.test(account ?? "") || !/^\d+$/.test(amount ?? "")) {
      throw new KcError(`${file}:${lineNo}: malformed line ${JSON.stringify(line)}`);
    }
    cumulative.set(account, BigInt(amount));
    total += BigInt(amount);
  }
  const sha = `0x${hash.digest("hex")}`;
  if (sha !== manifest.allocationSha256) {
    throw new KcError(`${file} has SHA-256 ${sha}, but its manifest says ${manifest.allocationSha256}`);
  }
  return { epoch, cumulative, total, dust: BigInt(manifest.dustOut), root: manifest.root };
}

/** The proof line of `account` in `<folder>/proofs.csv`, streamed. */
export async function findProof(
  folder: string,
  account: string,
): Promise<{ cumulative: bigint; proof: string[] } | undefined> {
  const file = join(folder, "proofs.csv");
  if (!existsSync(file))
    throw new KcError(`no proofs file at ${file}; run kc epoch-build first or pass --dir`);
  const key = account.toLowerCase();
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.startsWith(key)) continue;
    const [, amount, hex] = line.split(",");
    const proof: string[] = [];
    for (let i = 0; i < hex.length; i += 64) proof.push(`0x${hex.slice(i, i + 64)}`);
    return { cumulative: BigInt(amount), proof };
  }
  return undefined;
}
