import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
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

/**
 * Positions 0..count-1 ordered by `keyOf(i)` (lowercase 0x-addresses, all the same length), ascending. Sorting a
 * million strings with a comparator is slow and churns the heap; instead each position is packed with the first 28
 * bits of its address into one float (28 + 24 bits < 2^53), the floats are sorted natively, and only the rare runs
 * that share those 28 bits are ordered by the whole string.
 */
export function orderByAddress(count: number, keyOf: (i: number) => string): Uint32Array {
  const order = new Uint32Array(count);
  if (count >= 2 ** 24) {
    for (let i = 0; i < count; i++) order[i] = i;
    return order.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  }
  const SHIFT = 2 ** 24;
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++) packed[i] = parseInt(keyOf(i).slice(2, 9), 16) * SHIFT + i;
  packed.sort();
  for (let i = 0; i < count; i++) order[i] = packed[i] % SHIFT;
  for (let i = 0; i < count; ) {
    const prefix = Math.floor(packed[i] / SHIFT);
    let j = i + 1;
    while (j < count && Math.floor(packed[j] / SHIFT) === prefix) j++;
    if (j - i > 1) {
      const run = Array.from(order.subarray(i, j)).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
      order.set(run, i);
    }
    i = j;
  }
  return order;
}

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
  // This epoch's accounts in address order, merged with the previous cumulative allocation (ascending too): a
  // linear merge instead of string-keyed maps, which at a million accounts cost more than the allocation itself.
  const ids = new Uint32Array(allocation.amounts.size);
  const values: bigint[] = new Array(ids.length);
  let k = 0;
  for (const [id, amount] of allocation.amounts) {
    ids[k] = id;
    values[k++] = amount;
  }
  const order = orderByAddress(ids.length, (i) => snapshot.accounts[ids[i]]);
  let prevAccounts = previous ? [...previous.cumulative.keys()] : [];
  for (let i = 1; i < prevAccounts.length; i++) {
    if (prevAccounts[i - 1] >= prevAccounts[i]) {
      prevAccounts = prevAccounts.sort();
      break;
    }
  }
  const prev = previous?.cumulative;
  const accounts: string[] = [];
  const cumulative: bigint[] = [];
  const epochAmounts: bigint[] = [];
  let cumulativeTotal = 0n;
  const push = (account: string, total: bigint, epochAmount: bigint) => {
    if (total <= 0n) return;
    accounts.push(account);
    cumulative.push(total);
    epochAmounts.push(epochAmount);
    cumulativeTotal += total;
  };
  let i = 0;
  let j = 0;
  while (i < order.length || j < prevAccounts.length) {
    const mine = i < order.length ? snapshot.accounts[ids[order[i]]] : undefined;
    const theirs = j < prevAccounts.length ? prevAccounts[j] : undefined;
    if (theirs === undefined || (mine !== undefined && mine < theirs)) {
      const v = values[order[i++]];
      push(mine!, v, v);
    } else if (mine === undefined || theirs < mine) {
      push(theirs, prev!.get(theirs)!, 0n);
      j++;
    } else {
      const v = values[order[i++]];
      push(mine, prev!.get(theirs)! + v, v);
      j++;
    }
  }
  if (accounts.length === 0) {
    throw new KcError(
      "nothing to allocate: no account has a non-zero cumulative amount, so there is no tree",
    );
  }
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

/**
 * Text output through one reused buffer: lines are written into it as latin1 (every file here is ASCII), and each
 * full buffer is hashed and written synchronously. A million lines then allocate nothing but their number strings;
 * building them as JavaScript strings and stream chunks made the heap, and the garbage collector's work on it,
 * grow faster than the epoch.
 */
class TextSink {
  private readonly buf = Buffer.allocUnsafe(1 << 22);
  private pos = 0;
  private readonly hash = createHash("sha256");
  private readonly fd: number | undefined;

  constructor(path: string | undefined) {
    this.fd = path === undefined ? undefined : openSync(path, "w");
  }

  /** Room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.flush();
  }

  text(s: string): void {
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  copy(src: Buffer, start: number, end: number): void {
    this.pos += src.copy(this.buf, this.pos, start, end);
  }

  flush(): void {
    const chunk = this.buf.subarray(0, this.pos);
    this.hash.update(chunk);
    if (this.fd !== undefined) {
      for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off, chunk.length - off);
    }
    this.pos = 0;
  }

  /** Flushes, closes the file, and returns the SHA-256 of everything written, 0x-hex. */
  close(): string {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    return `0x${this.hash.digest("hex")}`;
  }
}

/** Writes (or only hashes) the allocation file of `result`; returns its SHA-256. */
function writeAllocation(path: string | undefined, result: EpochResult, progress?: (done: number) => void): string {
  const sink = new TextSink(path);
  sink.text(`${ALLOCATION_HEADER}\n`);
  const n = result.accounts.length;
  for (let i = 0; i < n; i++) {
    // account (42) + two amounts (≤ 78 digits each) + separators
    sink.reserve(42 + 2 * 78 + 3);
    sink.text(result.accounts[i]);
    sink.byte(0x2c);
    sink.text(result.cumulative[i].toString());
    sink.byte(0x2c);
    sink.text(result.epochAmounts[i].toString());
    sink.byte(0x0a);
    if (progress && (i & 0xffff) === 0xffff) progress(i + 1);
  }
  progress?.(n);
  return sink.close();
}

/** Writes `proofs.csv`: the proof columns are copied from each level's hex, never built as strings. */
function writeProofs(path: string, result: EpochResult, progress?: (done: number) => void): void {
  const levels = result.tree.levels.slice(0, -1).map((level) => {
    const hex = Buffer.from(level.buffer, level.byteOffset, level.length).toString("hex");
    return Buffer.from(hex, "latin1");
  });
  const sink = new TextSink(path);
  sink.text(`${PROOFS_HEADER}\n`);
  // account (42) + comma + amount (≤ 78) + comma + 64 per level + newline
  const lineMax = 42 + 1 + 78 + 1 + 64 * levels.length + 1;
  const n = result.accounts.length;
  for (let j = 0; j < n; j++) {
    sink.reserve(lineMax);
    sink.text(result.accounts[j]);
    sink.byte(0x2c);
    sink.text(result.cumulative[j].toString());
    sink.byte(0x2c);
    let k = j;
    for (let l = 0; l < levels.length; l++) {
      const sibling = k ^ 1;
      if (sibling * 64 < levels[l].length) sink.copy(levels[l], sibling * 64, sibling * 64 + 64);
      k >>= 1;
    }
    sink.byte(0x0a);
    if (progress && (j & 0xffff) === 0xffff) progress(j + 1);
  }
  progress?.(n);
  sink.close();
}

export const ALLOCATION_HEADER = "account,cumulative,epoch";
export const PROOFS_HEADER = "account,cumulative,proof";

/** SHA-256 of the allocation file `result` gives, without writing it. */
export async function allocationHash(result: EpochResult): Promise<string> {
  return writeAllocation(undefined, result);
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
  const allocationSha256 = writeAllocation(join(folder, "allocation.csv"), result, (d) =>
    progress?.("allocation.csv", d, n),
  );
  writeProofs(join(folder, "proofs.csv"), result, (d) => progress?.("proofs.csv", d, n));
  const skipped = result.allocation.skipped;
  writeFileSync(
    join(folder, "skipped.csv"),
    ["line,digest,units", ...skipped.map((x) => `${x.line},${x.digest},${x.units}`)].join("\n") + "\n",
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
