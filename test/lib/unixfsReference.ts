import { createHash } from "node:crypto";

/**
 * A second, independent implementation of the `unixfs-v1-2025` DAG, for pinning test vectors. It shares
 * no code with ipfs-unixfs-importer (nor its protobuf, dag-pb or multiformats dependencies): protobuf,
 * dag-pb, CID and base32 are written out here from the specs (UnixFS `Data` message, DAG-PB `PBNode`
 * with links before data, CIDv1 = version, codec, multihash; RFC 4648 base32 lower case, no padding).
 * Its output for an empty folder and an empty file equals the CIDs kubo is widely known to give.
 *
 * Profile: CIDv1, raw leaves, 1 MiB chunks, balanced layout with at most 1024 links per node. Folders
 * here stay far below the 256 KiB HAMT threshold, so directories are flat.
 */

export const CHUNK = 1 << 20;
export const WIDTH = 1024;
const RAW = 0x55;
const DAG_PB = 0x70;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A length-delimited protobuf field. */
function bytesField(tag: number, bytes: Uint8Array): number[] {
  return [tag, ...varint(bytes.length), ...bytes];
}

const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());

export interface Node {
  cid: Uint8Array;
  /** Cumulative size of the DAG under this node (what a parent's link `Tsize` says). */
  tsize: number;
  /** File bytes under this node (for a parent's `blocksizes`). */
  fileSize: number;
}

function cidBytes(codec: number, block: Uint8Array): Uint8Array {
  return new Uint8Array([0x01, ...varint(codec), 0x12, 0x20, ...sha256(block)]);
}

/** DAG-PB: every link (Hash, Name, Tsize) first, then Data. */
function pbNode(links: { cid: Uint8Array; name: string; tsize: number }[], data: number[]): Uint8Array {
  const out: number[] = [];
  for (const link of links) {
    const body = [
      ...bytesField(0x0a, link.cid),
      ...bytesField(0x12, new TextEncoder().encode(link.name)),
      0x18,
      ...varint(link.tsize),
    ];
    out.push(0x12, ...varint(body.length), ...body);
  }
  out.push(...bytesField(0x0a, new Uint8Array(data)));
  return new Uint8Array(out);
}

/** A file: one raw block if it fits a chunk, else a balanced tree of file nodes over raw leaves. */
export function fileNode(content: Uint8Array): Node {
  const leaves: Node[] = [];
  for (let at = 0; at < content.length || at === 0; at += CHUNK) {
    const chunk = content.subarray(at, at + CHUNK);
    leaves.push({ cid: cidBytes(RAW, chunk), tsize: chunk.length, fileSize: chunk.length });
    if (content.length === 0) break;
  }
  let level = leaves;
  while (level.length > 1) {
    const next: Node[] = [];
    for (let i = 0; i < level.length; i += WIDTH) {
      const kids = level.slice(i, i + WIDTH);
      const fileSize = kids.reduce((s, k) => s + k.fileSize, 0);
      // UnixFS Data: Type=File(2), filesize, one blocksizes entry per child.
      const data = [
        0x08,
        0x02,
        0x18,
        ...varint(fileSize),
        ...kids.flatMap((k) => [0x20, ...varint(k.fileSize)]),
      ];
      const block = pbNode(
        kids.map((k) => ({ cid: k.cid, name: "", tsize: k.tsize })),
        data,
      );
      next.push({
        cid: cidBytes(DAG_PB, block),
        tsize: block.length + kids.reduce((s, k) => s + k.tsize, 0),
        fileSize,
      });
    }
    level = next;
  }
  return level[0];
}

/** A folder given as nested objects: a Uint8Array is a file, an object a subfolder. */
export type Tree = { [name: string]: Uint8Array | Tree };

const utf8Compare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function dirNode(tree: Tree): Node {
  const names = Object.keys(tree).sort(utf8Compare);
  const kids = names.map((name) => {
    const v = tree[name];
    return { name, node: v instanceof Uint8Array ? fileNode(v) : dirNode(v) };
  });
  // UnixFS Data: Type=Directory(1), nothing else.
  const block = pbNode(
    kids.map((k) => ({ cid: k.node.cid, name: k.name, tsize: k.node.tsize })),
    [0x08, 0x01],
  );
  return {
    cid: cidBytes(DAG_PB, block),
    tsize: block.length + kids.reduce((s, k) => s + k.node.tsize, 0),
    fileSize: 0,
  };
}

/** Multibase `b` + RFC 4648 base32, lower case, unpadded. */
export function cidString(cid: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "b";
  for (const byte of cid) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The `bytes32` digest inside a CID (the last 32 bytes of its sha2-256 multihash). */
export const cidDigest = (cid: Uint8Array) =>
  `0x${Buffer.from(cid.subarray(cid.length - 32)).toString("hex")}`;
