import { hexlify } from "ethers";

import { KcError } from "../errors";
import { lazyEsm } from "../esm";
import { MANIFEST_FIELD_SEPARATOR, MANIFEST_LINE_END } from "./rules";
import { DigestScheme, type HashMode, cidOf, schemeOf } from "./scheme";

/**
 * The hashing core: turns a list of files into a digest in either mode. It uses no Node API (only
 * Uint8Array, TextEncoder and ESM packages that run in browsers), so a dapp can hash a folder the
 * user drops and get the same digest as `kc hash`. Walking a disk lives in `./node.ts`.
 */

/** The IPIP-499 profile every IPFS-mode digest is computed under. */
export const UNIXFS_PROFILE = "unixfs-v1-2025";
/**
 * Files hashed at once: enough to hide per-file latency when there are thousands of small files, few
 * enough to bound memory (a file in flight holds at most about 2 MiB: one chunk read, one being hashed).
 */
export const DEFAULT_CONCURRENCY = 32;

/** A streaming SHA-256. */
export interface Sha256 {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}
export type Sha256Factory = () => Sha256;

/** One file of the content; `read` yields its bytes in chunks of any size. */
export interface ContentFile {
  /** Relative to the folder, `/`-separated; `""` for a single file. */
  path: string;
  /** Expected size: a different count while reading means the file changed under us. */
  size: number;
  /** How to name the file in an error message. */
  shown: string;
  read(): AsyncIterable<Uint8Array>;
}

/** What a walker found: the files that count, sorted by the UTF-8 bytes of their paths. */
export interface ContentTree {
  kind: "file" | "folder";
  /** How to name the whole thing in messages. */
  shown: string;
  files: ContentFile[];
  /** Every subfolder that is not excluded, empty ones too (they are part of a UnixFS DAG). */
  folders: string[];
  /** Paths left out by the exclude rules (a folder once, not its contents). */
  excluded: string[];
  /** The exclude patterns that were in force. */
  patterns: readonly string[];
}

export interface ProgressInfo {
  files: number;
  filesTotal: number;
  bytes: number;
  bytesTotal: number;
}
export type Progress = (progress: ProgressInfo) => void;

export interface HashOptions {
  mode: HashMode;
  concurrency?: number;
  onProgress?: Progress;
  /** Defaults to @noble/hashes (pure JS); Node passes its native one, which is several times faster. */
  sha256?: Sha256Factory;
}

export interface ManifestEntry {
  /** Path relative to the folder, `/`-separated, exactly as stored on disk. */
  path: string;
  /** SHA-256 of the file's bytes, 64 lowercase hex digits without `0x`, as written in the manifest. */
  sha256: string;
  bytes: bigint;
}

export interface Manifest {
  /** The exact text whose UTF-8 bytes are hashed; one `path\0sha256\n` line per file. */
  text: string;
  /** One per line of `text`, in the same order. */
  entries: ManifestEntry[];
  bytes: bigint;
}

/** The outcome of hashing a file or folder. */
export interface ContentHash {
  /** `0x` + 64 hex: the `bytes32` that goes on-chain. */
  digest: string;
  mode: HashMode;
  scheme: DigestScheme;
  kind: "file" | "folder";
  files: number;
  bytes: bigint;
  /** The CIDv1 naming the same bytes (raw or dag-pb); absent for a manifest digest. */
  cid?: string;
  /** Manifest mode, folders only. */
  manifest?: Manifest;
  /** Folders only: paths the exclude rules left out, and the patterns in force. */
  excluded?: string[];
  patterns?: readonly string[];
}

const nobleSha2 = lazyEsm<{ sha256: { create(): Sha256 } }>("@noble/hashes/sha2.js");

/** The platform-free SHA-256. */
export async function pureSha256(): Promise<Sha256Factory> {
  const { sha256 } = await nobleSha2();
  return () => sha256.create();
}

/** SHA-256 of manifest text, for checking a manifest someone published next to a digest. */
export async function manifestTextDigest(text: string, sha256?: Sha256Factory): Promise<string> {
  const h = (sha256 ?? (await pureSha256()))();
  h.update(new TextEncoder().encode(text));
  return hexlify(h.digest());
}

/** Hash `tree` in the requested mode. */
export async function hashTree(tree: ContentTree, options: HashOptions): Promise<ContentHash> {
  const counter = progressCounter(tree, options.onProgress);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const base = {
    mode: options.mode,
    kind: tree.kind,
    files: tree.files.length,
    bytes: BigInt(counter.bytesTotal),
    ...(tree.kind === "folder" ? { excluded: tree.excluded, patterns: tree.patterns } : {}),
  };
  if (options.mode === "ipfs") {
    const root = await unixfsRoot(tree, concurrency, counter);
    const scheme = schemeOf({ ...base, codec: root.code });
    return { ...base, digest: hexlify(root.multihash.digest), scheme, cid: root.toString() };
  }

  const sha256 = options.sha256 ?? (await pureSha256());
  const sums = await mapLimit(tree.files, concurrency, async (file) => {
    const h = sha256();
    for await (const chunk of counted(file, counter)) h.update(chunk);
    return h.digest();
  });
  if (tree.kind === "file") {
    const digest = hexlify(sums[0]);
    return { ...base, digest, scheme: schemeOf(base), cid: await cidOf(digest, DigestScheme.Raw) };
  }
  const entries = tree.files.map((file, i) => ({
    path: file.path,
    sha256: hexlify(sums[i]).slice(2),
    bytes: BigInt(file.size),
  }));
  const text = entries.map((e) => e.path + MANIFEST_FIELD_SEPARATOR + e.sha256 + MANIFEST_LINE_END).join("");
  const manifest = { text, entries, bytes: base.bytes };
  return { ...base, digest: await manifestTextDigest(text, sha256), scheme: schemeOf(base), manifest };
}

// ---------------------------------------------------------------------------------------------------
// UnixFS
// ---------------------------------------------------------------------------------------------------

interface RootCid {
  code: number;
  multihash: { digest: Uint8Array };
  toString(): string;
}
interface ImporterModule {
  importer(
    source: Iterable<unknown> | AsyncIterable<unknown>,
    blockstore: unknown,
    options: Record<string, unknown>,
  ): AsyncIterable<{ cid: RootCid; path?: string }>;
}
interface BlackHoleModule {
  BlackHoleBlockstore: new () => unknown;
}
const unixfsImporter = lazyEsm<ImporterModule>("ipfs-unixfs-importer");
const blackHole = lazyEsm<BlackHoleModule>("blockstore-core/black-hole");

/**
 * The root CID an IPFS node gives under {@link UNIXFS_PROFILE}. The importer hashes every block it
 * builds; the blockstore discards them, so memory holds only the chunks in flight and the CIDs of the
 * folder tree, whatever the content size.
 */
async function unixfsRoot(tree: ContentTree, concurrency: number, counter: Counter): Promise<RootCid> {
  const [{ importer }, { BlackHoleBlockstore }] = await Promise.all([unixfsImporter(), blackHole()]);
  const options = {
    profile: UNIXFS_PROFILE,
    // A folder is imported as the entries of a directory whose root has no name, like `ipfs add -r`.
    wrapWithDirectory: tree.kind === "folder",
    fileImportConcurrency: concurrency,
    // Chunks of one file hashed at once. Blocks are discarded, so more buys nothing, and a low number
    // keeps memory at a few MiB per file in flight.
    blockWriteConcurrency: 2,
  };
  const candidates =
    tree.kind === "file"
      ? [{ content: counted(tree.files[0], counter) }]
      : [
          ...tree.folders.map((path) => ({ path })),
          ...tree.files.map((file) => ({ path: file.path, content: counted(file, counter) })),
        ];
  let last: { cid: RootCid; path?: string } | undefined;
  for await (const entry of importer(candidates, new BlackHoleBlockstore(), options)) last = entry;
  if (last === undefined || (tree.kind === "folder" && last.path !== "")) {
    throw new Error(`the UnixFS importer gave no root for ${tree.shown}`);
  }
  return last.cid;
}

// ---------------------------------------------------------------------------------------------------
// Progress and concurrency
// ---------------------------------------------------------------------------------------------------

interface Counter {
  bytesTotal: number;
  chunk(n: number): void;
  fileDone(): void;
}

function progressCounter(tree: ContentTree, onProgress?: Progress): Counter {
  const state = { files: 0, filesTotal: tree.files.length, bytes: 0, bytesTotal: 0 };
  for (const f of tree.files) state.bytesTotal += f.size;
  return {
    bytesTotal: state.bytesTotal,
    chunk(n) {
      state.bytes += n;
      onProgress?.({ ...state });
    },
    fileDone() {
      state.files += 1;
      onProgress?.({ ...state });
    },
  };
}

/** A file's chunks, counted for progress and checked against the size the walker saw. */
async function* counted(file: ContentFile, counter: Counter): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of file.read()) {
    size += chunk.length;
    counter.chunk(chunk.length);
    yield chunk;
  }
  if (size !== file.size) throw new KcError(`file changed while it was being hashed: ${file.shown}`);
  counter.fileDone();
}

/** `items.map(fn)` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
