import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { constants, createReadStream, type Stats } from "node:fs";
import { lstat, open, readdir, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

import { KcError, show } from "./errors";

/** Called as chunks are hashed; for a folder both numbers cover all of its files. */
export type Progress = (bytesDone: number, bytesTotal: number) => void;

/** A `0x`-prefixed, lowercase, 64-hex-digit SHA-256 digest: the `bytes32` that goes on-chain. */
export type Digest = string;

export interface HashResult {
  digest: Digest;
  kind: "file" | "folder";
  /** Number of files hashed: 1 for a file. */
  files: number;
  /** Total size of the files hashed. */
  bytes: bigint;
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

/** Separates a path from its digest on a manifest line (NUL cannot occur in a file name). */
export const MANIFEST_FIELD_SEPARATOR = "\0";
/** Ends every manifest line, including the last one. */
export const MANIFEST_LINE_END = "\n";
/** Separates folder names in manifest paths, whatever the OS uses. */
export const MANIFEST_PATH_SEPARATOR = "/";
/** Bytes read per chunk: big enough to keep hashing CPU-bound, small enough to keep memory bounded. */
export const READ_CHUNK_BYTES = 1 << 20;

/**
 * The canonical folder hash, so the same content gives the same digest on any machine:
 *
 * digest = SHA-256 of the UTF-8 bytes of the manifest, where the manifest has one line
 * `relative/path` + `\0` + `sha256 of the file's bytes in lowercase hex` + `\n` per regular file.
 */
export const FOLDER_HASH_RULES: readonly string[] = [
  "Only regular files count; each contributes one manifest line: relative/path \\0 sha256-hex \\n.",
  "Paths are relative to the folder and use / as separator on every OS.",
  "Lines are sorted by path compared as UTF-8 bytes (not by locale or UTF-16 order).",
  "File names are hashed exactly as stored: no Unicode normalisation, no case folding.",
  "Hidden files (.git, .DS_Store, ...) count like any other file; nothing is ignored.",
  "Timestamps, permissions and owners are not part of the digest.",
  "Empty folders contribute nothing; a folder with no files at all is an error.",
  "Symbolic links inside the folder are rejected, so the digest never depends on where a link points.",
  "Sockets, FIFOs and devices inside the folder are rejected.",
  "File names must be valid UTF-8 and must not contain a line break.",
  "The folder you name may itself be reached through a link; only what is inside it is checked.",
];

/** SHA-256 of a file's bytes, read in chunks so memory stays bounded whatever the file size. */
export async function hashFile(path: string, onProgress?: Progress): Promise<Digest> {
  const info = await statOrThrow(path, show(path));
  if (info.isDirectory()) throw new KcError(`expected a file but found a folder: ${show(path)}`);
  if (!info.isFile()) throw new KcError(`not a regular file: ${show(path)}`);
  let done = 0;
  const hex = await digestFile(path, show(path), info.size, false, (n) => {
    done += n;
    onProgress?.(done, info.size);
  });
  return `0x${hex}`;
}

/** SHA-256 of the folder's canonical manifest; see {@link FOLDER_HASH_RULES}. */
export async function hashFolder(path: string, onProgress?: Progress): Promise<Digest> {
  return manifestDigest((await buildManifest(path, onProgress)).text);
}

/** SHA-256 of manifest text, for checking a manifest someone published next to a digest. */
export function manifestDigest(text: string): Digest {
  return `0x${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** The manifest behind {@link hashFolder}, so users can audit exactly what was hashed. */
export async function buildManifest(path: string, onProgress?: Progress): Promise<Manifest> {
  const info = await statOrThrow(path, show(path));
  if (!info.isDirectory()) throw new KcError(`expected a folder but found a file: ${show(path)}`);

  const files = await listFiles(path);
  if (files.length === 0) {
    throw new KcError(`folder has no files to hash (empty folders count for nothing): ${show(path)}`);
  }

  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  const entries: ManifestEntry[] = [];
  let text = "";
  for (const file of files) {
    const sha256 = await digestFile(file.abs, file.shown, file.size, true, (n) => {
      done += n;
      onProgress?.(done, total);
    });
    entries.push({ path: file.rel, sha256, bytes: BigInt(file.size) });
    text += file.rel + MANIFEST_FIELD_SEPARATOR + sha256 + MANIFEST_LINE_END;
  }
  return { text, entries, bytes: BigInt(total) };
}

/** Hash a file or a folder, whichever the path names. */
export async function hashPath(path: string, onProgress?: Progress): Promise<HashResult> {
  const info = await statOrThrow(path, show(path));
  if (info.isDirectory()) {
    const manifest = await buildManifest(path, onProgress);
    return {
      digest: manifestDigest(manifest.text),
      kind: "folder",
      files: manifest.entries.length,
      bytes: manifest.bytes,
    };
  }
  const digest = await hashFile(path, onProgress);
  return { digest, kind: "file", files: 1, bytes: BigInt(info.size) };
}

interface FoundFile {
  rel: string;
  abs: string;
  shown: string;
  size: number;
  key: Buffer;
}

/** Every regular file under `root`, sorted by the UTF-8 bytes of its relative path. */
async function listFiles(root: string): Promise<FoundFile[]> {
  const shownRoot = root.replace(/[\\/]+$/, "") || root;
  const display = (rel: string) => show(`${shownRoot}/${rel}`);
  const found: FoundFile[] = [];
  const pending: { rel: string; abs: string }[] = [{ rel: "", abs: root }];

  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let names: Buffer[];
    try {
      // Raw bytes: the string form would silently turn invalid UTF-8 into U+FFFD.
      names = await readdir(dir.abs, { encoding: "buffer" });
    } catch (err) {
      throw fsError(err, dir.rel ? display(dir.rel) : show(root));
    }
    for (const raw of names) {
      const inFolder = dir.rel ? display(dir.rel) : show(root);
      if (!isUtf8(raw)) {
        throw new KcError(`file name is not valid UTF-8 (bytes 0x${raw.toString("hex")}) in ${inFolder}`);
      }
      const name = raw.toString("utf8");
      const rel = dir.rel ? dir.rel + MANIFEST_PATH_SEPARATOR + name : name;
      // A line break in a name would make the manifest hard to audit line by line.
      if (/[\r\n]/.test(name)) throw new KcError(`file name contains a line break: ${display(rel)}`);
      const abs = join(dir.abs, name);
      let info: Stats;
      try {
        info = await lstat(abs);
      } catch (err) {
        throw fsError(err, display(rel));
      }
      if (info.isSymbolicLink()) {
        throw new KcError(
          `symbolic links are not allowed in a folder hash: ${display(rel)} ` +
            `(replace it with the file it points to, or remove it)`,
        );
      } else if (info.isDirectory()) {
        pending.push({ rel, abs });
      } else if (info.isFile()) {
        found.push({ rel, abs, shown: display(rel), size: info.size, key: Buffer.from(rel, "utf8") });
      } else {
        throw new KcError(`not a regular file or folder: ${display(rel)}`);
      }
    }
  }
  return found.sort((a, b) => Buffer.compare(a.key, b.key));
}

/** Stream a file through SHA-256; returns lowercase hex without `0x`. */
async function digestFile(
  path: string,
  shown: string,
  expectedSize: number,
  noFollow: boolean,
  onChunk: (bytes: number) => void,
): Promise<string> {
  const hash = createHash("sha256");
  let size = 0;
  // O_NOFOLLOW closes the gap between lstat and open in which a file could be swapped for a link.
  const flags = constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0);
  let handle: FileHandle;
  try {
    handle = await open(path, flags);
  } catch (err) {
    throw fsError(err, shown);
  }
  try {
    const stream = createReadStream(path, { fd: handle, highWaterMark: READ_CHUNK_BYTES, autoClose: false });
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      onChunk(bytes.length);
    }
  } catch (err) {
    throw fsError(err, shown);
  } finally {
    await handle.close();
  }
  if (size !== expectedSize) throw new KcError(`file changed while it was being hashed: ${shown}`);
  return hash.digest("hex");
}

async function statOrThrow(path: string, shown: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    throw fsError(err, shown);
  }
}

/** Turn a Node fs error into one readable line naming the path. */
function fsError(err: unknown, shown: string): Error {
  if (err instanceof KcError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return new KcError(`no such file or folder: ${shown}`, { cause: err });
    case "EACCES":
    case "EPERM":
      return new KcError(`permission denied: ${shown}`, { cause: err });
    case "ELOOP":
      return new KcError(`symbolic link loop or link where a file was expected: ${shown}`, { cause: err });
    default:
      return new KcError(`cannot read ${shown}: ${code ?? String(err)}`, { cause: err });
  }
}
