import { keccakInto } from "./keccak";

/**
 * The Merkle tree of a scored epoch, as `ScoredPrograms` checks it:
 * - leaf of (account, cumulativeAmount) = keccak256(keccak256(abi.encode(account, cumulativeAmount))), the
 *   OpenZeppelin StandardMerkleTree encoding (the double hash keeps a leaf from ever passing as an inner node);
 * - leaves in ascending order of account address;
 * - each level pairs neighbours (0,1), (2,3), …; a pair hashes as keccak256 of the smaller hash then the larger
 *   (OpenZeppelin `MerkleProof`'s commutative hash); an odd last node moves up unchanged;
 * - the root is the single node left. A tree of one leaf has that leaf as root and empty proofs.
 * Hashes live in flat Uint8Arrays (32 bytes per node), so a million leaves cost 64 MB, not a million objects.
 */

const scratch = Buffer.alloc(64);

const MAX_UINT256 = (1n << 256n) - 1n;

/** Writes the leaf of (account, amount) to out[offset..offset+32); `account` is 40 lowercase hex digits. */
export function leafInto(accountHex: string, amount: bigint, out: Uint8Array, offset: number): void {
  if (amount < 0n || amount > MAX_UINT256)
    throw new RangeError(`amount does not fit in a uint256: ${amount}`);
  // abi.encode(address, uint256), parsed from hex in place: much faster than 32 BigInt byte extractions.
  scratch.fill(0, 0, 12);
  if (scratch.write(accountHex, 12, 20, "hex") !== 20) throw new RangeError(`not an address: 0x${accountHex}`);
  scratch.write(amount.toString(16).padStart(64, "0"), 32, 32, "hex");
  keccakInto(scratch, 0, 64, scratch, 0);
  keccakInto(scratch, 0, 32, out, offset);
}

/** 0x-hex leaf of (account, amount), for tests and single lookups. */
export function leafHex(account: string, amount: bigint): string {
  const out = new Uint8Array(32);
  leafInto(account.slice(2).toLowerCase(), amount, out, 0);
  return `0x${Buffer.from(out).toString("hex")}`;
}

function compare32(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 32; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return 0;
}

/** Hashes the sorted pair (a[ao..], b[bo..]) into out[oo..]. */
export function hashPairInto(
  a: Uint8Array,
  ao: number,
  b: Uint8Array,
  bo: number,
  out: Uint8Array,
  oo: number,
): void {
  if (compare32(a, ao, b, bo) <= 0) {
    scratch.set(a.subarray(ao, ao + 32), 0);
    scratch.set(b.subarray(bo, bo + 32), 32);
  } else {
    scratch.set(b.subarray(bo, bo + 32), 0);
    scratch.set(a.subarray(ao, ao + 32), 32);
  }
  keccakInto(scratch, 0, 64, out, oo);
}

export interface Tree {
  /** Level 0 = the leaves; the last level holds the root. */
  levels: Uint8Array[];
  leafCount: number;
}

/** Builds every level above `leaves` (n × 32 bytes); `onProgress(done)` counts hashed nodes. */
export function buildTree(leaves: Uint8Array, onProgress?: (done: number) => void): Tree {
  const leafCount = leaves.length / 32;
  if (leafCount === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const levels = [leaves];
  let level = leaves;
  let n = leafCount;
  let done = 0;
  while (n > 1) {
    const m = Math.ceil(n / 2);
    const next = new Uint8Array(m * 32);
    for (let i = 0; i + 1 < n; i += 2) {
      const at = i * 32;
      // The pair is adjacent in the level: hashed in place when already in order, else swapped into the scratch.
      if (compare32(level, at, level, at + 32) <= 0) keccakInto(level, at, 64, next, at / 2);
      else {
        for (let b = 0; b < 32; b++) {
          scratch[b] = level[at + 32 + b];
          scratch[32 + b] = level[at + b];
        }
        keccakInto(scratch, 0, 64, next, at / 2);
      }
      if (onProgress && (++done & 0xffff) === 0) onProgress(done);
    }
    if (n % 2 === 1) next.set(level.subarray((n - 1) * 32, n * 32), (m - 1) * 32);
    levels.push(next);
    level = next;
    n = m;
  }
  return { levels, leafCount };
}

/** The root as 0x-hex. */
export function rootOf(tree: Tree): string {
  return `0x${Buffer.from(tree.levels[tree.levels.length - 1]).toString("hex")}`;
}

/** The sibling hashes of leaf `index`, bottom up, concatenated (32 bytes each); levels without one add nothing. */
export function proofBytes(tree: Tree, index: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < tree.levels.length - 1; l++) {
    const level = tree.levels[l];
    const n = level.length / 32;
    const sibling = i ^ 1;
    if (sibling < n) parts.push(level.subarray(sibling * 32, sibling * 32 + 32));
    i >>= 1;
  }
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((p, k) => out.set(p, k * 32));
  return out;
}

/** Every level as hex, so proofs of many leaves are string slices (what writing a million proofs needs). */
export function levelsHex(tree: Tree): string[] {
  return tree.levels
    .slice(0, -1)
    .map((level) => Buffer.from(level.buffer, level.byteOffset, level.length).toString("hex"));
}

/** The proof of leaf `index` as one hex string (64 digits per sibling, bottom up), from {@link levelsHex}. */
export function proofHexConcat(levels: string[], index: number): string {
  let out = "";
  let i = index;
  for (let l = 0; l < levels.length; l++) {
    const sibling = i ^ 1;
    if (sibling * 64 < levels[l].length) out += levels[l].slice(sibling * 64, sibling * 64 + 64);
    i >>= 1;
  }
  return out;
}

/** The proof as 0x-hex strings, as `claim` takes it. */
export function proofHex(tree: Tree, index: number): string[] {
  return splitProof(Buffer.from(proofBytes(tree, index)).toString("hex"));
}

/** `…64 hex…64 hex…` (the proofs file's column) → 0x-hex strings. */
export function splitProof(hex: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < hex.length; i += 64) out.push(`0x${hex.slice(i, i + 64)}`);
  return out;
}

/** Recomputes the root from a leaf and its proof (what the contract does). */
export function rootFromProof(leaf: string, proof: string[]): string {
  let node = Buffer.from(leaf.slice(2), "hex");
  const out = new Uint8Array(32);
  for (const p of proof) {
    hashPairInto(node, 0, Buffer.from(p.slice(2), "hex"), 0, out, 0);
    node = Buffer.from(out);
  }
  return `0x${node.toString("hex")}`;
}
