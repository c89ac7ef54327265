/**
 * Where the index gets the proofs it serves: the epoch's cumulative allocation file (`allocation.csv`, as
 * `kc epoch-build` writes it), never a proofs file. A posted root only commits to the allocation's SHA-256
 * (`allocationHash`) and to the Merkle root, so the index
 *   1. reads the allocation from, in order,
 *      - `$KC_EPOCHS_DIR/chain-<chainId>/program-<n>/epoch-<E>/allocation.csv` (the folder `kc epoch-build` fills;
 *        `$KC_EPOCHS_DIR/program-<n>/epoch-<E>/` also works),
 *      - the posted `allocationURI`: `http(s)://…` (or `file://…` on a local chain, 31337, or with
 *        KC_EPOCHS_FILE_URIS=1: a scorer must not make the index read its host's files elsewhere), the file itself
 *        when it ends in `.csv`, else a published epoch folder holding `allocation.csv`;
 *   2. serves nothing from a file whose SHA-256 is not the posted `allocationHash`;
 *   3. rebuilds the Merkle tree from it (src/epochs/merkle.ts, the contract's leaf and pair rules) and serves
 *      nothing unless the rebuilt root is the posted root and the amounts add up to the posted cumulative total.
 * So every amount and proof served is one the contract accepts: `claimable(programId, account, cumulative, proof)`
 * equals the cumulative amount less `claimed(programId, account)`.
 * Verified trees are cached per posted root; a missing or mismatching file is retried after RETRY_MS.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { buildTree, leafInto, proofHex, rootOf, type Tree } from "../../src/epochs/merkle";

export interface PostedEpoch {
  programId: bigint;
  epoch: bigint;
  root: string;
  cumulativeTotal: bigint;
  allocationHash: string;
  allocationURI: string;
}

export interface VerifiedAllocation {
  /** Where the verified file came from. */
  source: string;
  accounts: number;
  /** Cumulative amount and Merkle proof of `account`, or undefined when it has none in this epoch. */
  leaf(account: string): { cumulative: bigint; proof: string[] } | undefined;
}

export type Loaded = { ok: true; allocation: VerifiedAllocation } | { ok: false; reason: string };

const RETRY_MS = 15_000;
/** Largest allocation file fetched over HTTP: 128 MiB (a 10^6-account file is about 70 MB). */
const maxFileBytes = () => Number(process.env.KC_EPOCHS_MAX_BYTES?.trim() || 128 * 1024 * 1024);
const HEADER = "account,cumulative,epoch";
const cache = new Map<string, { at: number; result: Promise<Loaded> }>();

/** The verified allocation of a posted root (cached), or why there is none. */
export function loadAllocation(post: PostedEpoch, chainId: number, epochsDir?: string): Promise<Loaded> {
  const key = `${post.programId}:${post.epoch}:${post.root}:${post.allocationHash}`;
  const hit = cache.get(key);
  if (hit) return hit.result;
  const result = load(post, chainId, epochsDir).catch((err): Loaded => ({
    ok: false,
    reason: (err as Error).message.split("\n")[0]!,
  }));
  cache.set(key, { at: Date.now(), result });
  // Failures are forgotten after a while: the file may be published later.
  void result.then((r) => {
    if (!r.ok) setTimeout(() => cache.delete(key), RETRY_MS).unref?.();
  });
  return result;
}

/** Candidate places of the allocation file, in the order tried. */
export function candidates(post: PostedEpoch, chainId: number, epochsDir?: string): string[] {
  const fileUris = chainId === 31337 || process.env.KC_EPOCHS_FILE_URIS?.trim() === "1";
  const out: string[] = [];
  const folder = join(`program-${post.programId}`, `epoch-${post.epoch}`, "allocation.csv");
  if (epochsDir) out.push(join(epochsDir, `chain-${chainId}`, folder), join(epochsDir, folder));
  const uri = post.allocationURI.trim();
  if (/^https?:\/\//i.test(uri) || (fileUris && /^file:\/\//i.test(uri)))
    out.push(/\.csv$/i.test(uri) ? uri : `${uri.replace(/\/+$/, "")}/allocation.csv`);
  return out;
}

export async function read(place: string): Promise<Buffer | undefined> {
  if (/^https?:\/\//i.test(place)) {
    // A scorer chooses the URI: bounded in time and size, so a post cannot exhaust the index's memory.
    const res = await fetch(place, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok || !res.body) return undefined;
    const max = maxFileBytes();
    const declared = Number(res.headers.get("content-length") ?? 0);
    if (declared > max) throw new Error(`${declared} bytes, more than ${max} (KC_EPOCHS_MAX_BYTES)`);
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += part.length;
      if (size > max) throw new Error(`more than ${max} bytes (KC_EPOCHS_MAX_BYTES)`);
      parts.push(part);
    }
    return Buffer.concat(parts);
  }
  const path = place.startsWith("file://") ? fileURLToPath(place) : place;
  return existsSync(path) ? readFileSync(path) : undefined;
}

async function load(post: PostedEpoch, chainId: number, epochsDir?: string): Promise<Loaded> {
  const places = candidates(post, chainId, epochsDir);
  if (places.length === 0)
    return { ok: false, reason: "no epoch files: set KC_EPOCHS_DIR, or post with an allocation URI" };
  const problems: string[] = [];
  for (const place of places) {
    let bytes: Buffer | undefined;
    try {
      bytes = await read(place);
    } catch (err) {
      problems.push(`${place}: ${(err as Error).message}`);
      continue;
    }
    if (!bytes) {
      problems.push(`${place}: not found`);
      continue;
    }
    const sha = `0x${createHash("sha256").update(bytes).digest("hex")}`;
    if (sha !== post.allocationHash.toLowerCase()) {
      problems.push(`${place}: SHA-256 ${sha} is not the posted allocation hash ${post.allocationHash}`);
      continue;
    }
    const verified = verify(bytes.toString("latin1"), post, place);
    if (typeof verified === "string") {
      problems.push(verified);
      continue;
    }
    return { ok: true, allocation: verified };
  }
  return { ok: false, reason: problems.join("; ") };
}

/** Rebuilds the tree of an allocation file; a string says why it does not match the posted root. */
function verify(text: string, post: PostedEpoch, place: string): VerifiedAllocation | string {
  const lines = text.split("\n");
  if (lines[0]?.replace(/\r$/, "") !== HEADER) return `${place}: the first line is not ${HEADER}`;
  const accounts: string[] = [];
  const amounts: bigint[] = [];
  let total = 0n;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line === "") continue;
    const [account, amount] = line.split(",");
    if (!/^0x[0-9a-fA-F]{40}$/.test(account ?? "") || !/^\d+$/.test(amount ?? ""))
      return `${place}:${i + 1}: malformed line`;
    accounts.push(account!.toLowerCase());
    amounts.push(BigInt(amount!));
    total += BigInt(amount!);
  }
  if (accounts.length === 0) return `${place}: no accounts`;
  if (total !== post.cumulativeTotal)
    return `${place}: amounts add up to ${total}, not the posted cumulative total ${post.cumulativeTotal}`;
  const leaves = new Uint8Array(accounts.length * 32);
  accounts.forEach((a, i) => leafInto(a.slice(2), amounts[i]!, leaves, i * 32));
  const tree: Tree = buildTree(leaves);
  const root = rootOf(tree);
  if (root !== post.root.toLowerCase())
    return `${place}: rebuilds to root ${root}, not the posted ${post.root}`;
  const position = new Map(accounts.map((a, i) => [a, i]));
  return {
    source: place,
    accounts: accounts.length,
    leaf(account) {
      const i = position.get(account.toLowerCase());
      return i === undefined ? undefined : { cumulative: amounts[i]!, proof: proofHex(tree, i) };
    },
  };
}
