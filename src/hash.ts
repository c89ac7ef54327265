import { stat } from "node:fs/promises";

import { KcError, show } from "./errors";
import { type ContentHash, type Manifest, type Progress, hashTree } from "./content/core";
import { type NodeHashOptions, fsError, hashLocalPath, nodeSha256, walk } from "./content/node";
import type { DigestScheme } from "./content/scheme";

/**
 * Hashing files and folders on disk. The rules and both modes live in `./content/` (platform-free
 * core + Node adapter); this module is the entry point the CLI, the demo and the tests use.
 */

export {
  DEFAULT_CONCURRENCY,
  manifestTextDigest,
  UNIXFS_PROFILE,
  type ContentHash,
  type ContentTree,
  type Manifest,
  type ManifestEntry,
  type Progress,
  type ProgressInfo,
} from "./content/core";
export { READ_CHUNK_BYTES, type NodeHashOptions, walk } from "./content/node";
export {
  DEFAULT_EXCLUDES,
  FOLDER_HASH_RULES,
  IGNORE_FILE,
  MANIFEST_FIELD_SEPARATOR,
  MANIFEST_LINE_END,
  MANIFEST_PATH_SEPARATOR,
} from "./content/rules";
export {
  DEFAULT_MODE,
  DigestScheme,
  MODES,
  SCHEME_MEANING,
  SCHEME_NAMES,
  type HashMode,
  cidOf,
  ipfsUriOf,
  parseMode,
  parseScheme,
  schemeOf,
} from "./content/scheme";

/** A `0x`-prefixed, lowercase, 64-hex-digit SHA-256 digest: the `bytes32` that goes on-chain. */
export type Digest = string;
/** What {@link hashPath} returns. */
export type HashResult = ContentHash;

/** Hash a file or a folder, whichever the path names; IPFS mode (`unixfs-v1-2025`) unless told otherwise. */
export async function hashPath(path: string, options: NodeHashOptions = {}): Promise<HashResult> {
  return hashLocalPath(path, options);
}

/** SHA-256 of a file's bytes, read in chunks so memory stays bounded whatever the file size. */
export async function hashFile(path: string, onProgress?: Progress): Promise<Digest> {
  const info = await stat(path).catch((err: unknown) => {
    throw fsError(err, show(path));
  });
  if (info.isDirectory()) throw new KcError(`expected a file but found a folder: ${show(path)}`);
  const tree = await walk(path);
  return (await hashTree(tree, { mode: "manifest", sha256: nodeSha256, onProgress })).digest;
}

/** SHA-256 of the folder's canonical manifest (manifest mode). */
export async function hashFolder(path: string, options: NodeHashOptions = {}): Promise<Digest> {
  return manifestDigest((await buildManifest(path, options)).text);
}

/** The manifest behind {@link hashFolder}, so users can audit exactly what was hashed. */
export async function buildManifest(path: string, options: NodeHashOptions = {}): Promise<Manifest> {
  const tree = await walk(path, options);
  if (tree.kind !== "folder") throw new KcError(`expected a folder but found a file: ${show(path)}`);
  const result = await hashTree(tree, { sha256: nodeSha256, ...options, mode: "manifest" });
  return result.manifest!;
}

/** SHA-256 of manifest text, for checking a manifest someone published next to a digest. */
export function manifestDigest(text: string): Digest {
  const h = nodeSha256();
  h.update(new TextEncoder().encode(text));
  return `0x${Buffer.from(h.digest()).toString("hex")}`;
}

/** One digest a piece of content has, with the scheme it was computed under. */
export interface SchemeDigest {
  digest: Digest;
  scheme: DigestScheme;
  cid?: string;
}

/**
 * Every digest a path has in the two modes, without duplicates (a file that fits one chunk is the same
 * raw digest in both), so `kc verify` can say which scheme a digest was computed under.
 */
export async function digestsOfPath(path: string, options: NodeHashOptions = {}): Promise<SchemeDigest[]> {
  const out: SchemeDigest[] = [];
  for (const mode of ["ipfs", "manifest"] as const) {
    const r = await hashLocalPath(path, { ...options, mode });
    if (!out.some((d) => d.digest === r.digest && d.scheme === r.scheme)) {
      out.push({ digest: r.digest, scheme: r.scheme, cid: r.cid });
    }
  }
  return out;
}
