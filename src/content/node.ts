import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import {
  type Stats,
  closeSync,
  constants,
  createReadStream,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
} from "node:fs";
import { open, readFile, readlink, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

import { KcError, show } from "../errors";
import { type ContentFile, type ContentHash, type ContentTree, type HashOptions, hashTree } from "./core";
import { finishFolderTree } from "./entries";
import { IGNORE_FILE, MANIFEST_PATH_SEPARATOR, compareUtf8, excludeFilter } from "./rules";

/**
 * The Node adapter of the hashing core: walks a folder on disk (exclude rules, symbolic links) and
 * reads files for `./core.ts`, with Node's native SHA-256.
 */

/** Files up to this size are read in one call; larger ones stream in chunks of this size. */
export const READ_CHUNK_BYTES = 1 << 20;

export interface WalkOptions {
  /** Leave out VCS and OS metadata (default true). */
  defaultExcludes?: boolean;
  /** Hash what symbolic links point to, as if the target were copied in place. */
  followSymlinks?: boolean;
  /** With `followSymlinks`, also follow links whose target is outside the folder. */
  allowOutside?: boolean;
}

export type NodeHashOptions = WalkOptions & Partial<HashOptions>;

/** Node's SHA-256 (OpenSSL, with SHA extensions where the CPU has them). */
export const nodeSha256 = () => {
  const h = createHash("sha256");
  return { update: (d: Uint8Array) => void h.update(d), digest: () => new Uint8Array(h.digest()) };
};

/** Hash a file or folder on disk; IPFS mode unless `options.mode` says otherwise. */
export async function hashLocalPath(path: string, options: NodeHashOptions = {}): Promise<ContentHash> {
  const tree = await walk(path, options);
  return hashTree(tree, { sha256: nodeSha256, ...options, mode: options.mode ?? "ipfs" });
}

/** Find what counts under `path`: a single file, or a folder's files after the exclude rules. */
export async function walk(path: string, options: WalkOptions = {}): Promise<ContentTree> {
  const info = await statOrThrow(path, show(path));
  if (info.isFile()) {
    return {
      kind: "file",
      shown: show(path),
      files: [fileAt(path, show(path), "", info.size)],
      folders: [],
      excluded: [],
      patterns: [],
    };
  }
  if (!info.isDirectory()) throw new KcError(`not a regular file or folder: ${show(path)}`);
  return walkFolder(path, options);
}

interface Problem {
  rel: string;
  why: string;
}

async function walkFolder(root: string, options: WalkOptions): Promise<ContentTree> {
  const shownRoot = root.replace(/[\\/]+$/, "") || root;
  const display = (rel: string) => (rel ? show(`${shownRoot}/${rel}`) : show(root));
  const rootReal = await realpath(root);
  const kcignore = await readIgnoreFile(join(root, IGNORE_FILE), display(IGNORE_FILE));
  const filter = excludeFilter({ defaultExcludes: options.defaultExcludes, kcignore });

  const files: ContentFile[] = [];
  const folders: string[] = [];
  const excluded: string[] = [];
  const links: Problem[] = [];
  // Each pending folder carries the real paths of the folders above it, to catch link cycles.
  const pending: { rel: string; abs: string; chain: string[] }[] = [
    { rel: "", abs: root, chain: [rootReal] },
  ];

  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let names: Buffer[];
    try {
      // Raw bytes: the string form would silently turn invalid UTF-8 into U+FFFD.
      names = readdirSync(dir.abs, { encoding: "buffer" });
    } catch (err) {
      throw fsError(err, display(dir.rel));
    }
    // Listing uses synchronous calls: a directory entry costs microseconds, while a round trip through
    // libuv's thread pool costs about 100 µs on a busy machine, which dominates 20,000 small files.
    for (const raw of names) {
      if (!isUtf8(raw)) {
        throw new KcError(
          `file name is not valid UTF-8 (bytes 0x${raw.toString("hex")}) in ${display(dir.rel)}`,
        );
      }
      const name = raw.toString("utf8");
      const rel = dir.rel ? dir.rel + MANIFEST_PATH_SEPARATOR + name : name;
      // A line break in a name would make the manifest hard to audit line by line.
      if (/[\r\n]/.test(name)) throw new KcError(`file name contains a line break: ${display(rel)}`);
      let abs = join(dir.abs, name);
      let entry: Stats;
      try {
        entry = lstatSync(abs);
      } catch (err) {
        throw fsError(err, display(rel));
      }
      if (entry.isSymbolicLink()) {
        const target = await readlink(abs).catch(() => "?");
        // An excluded link is never looked at, followed or not.
        if (filter.excludes(rel, false) || filter.excludes(rel, true)) {
          excluded.push(rel);
          continue;
        }
        if (!options.followSymlinks) {
          links.push({ rel, why: `-> ${target}` });
          continue;
        }
        let real: string;
        try {
          real = await realpath(abs);
          entry = await stat(real);
        } catch {
          links.push({ rel, why: `-> ${target}: dangling (the target does not exist)` });
          continue;
        }
        if (!options.allowOutside && !isInside(rootReal, real)) {
          links.push({ rel, why: `-> ${target}: outside the folder (add --allow-outside)` });
          continue;
        }
        if (entry.isDirectory() && dir.chain.some((up) => isInside(real, up))) {
          links.push({ rel, why: `-> ${target}: a loop (points to a folder that contains it)` });
          continue;
        }
        abs = real;
      }
      if (entry.isDirectory()) {
        if (filter.excludes(rel, true)) {
          excluded.push(`${rel}/`);
          continue;
        }
        folders.push(rel);
        const real = await realpath(abs).catch(() => abs);
        pending.push({ rel, abs, chain: [...dir.chain, real] });
      } else if (entry.isFile()) {
        if (filter.excludes(rel, false)) {
          excluded.push(rel);
          continue;
        }
        files.push(fileAt(abs, display(rel), rel, entry.size));
      } else {
        throw new KcError(`not a regular file or folder: ${display(rel)}`);
      }
    }
  }

  if (links.length > 0) {
    links.sort((a, b) => compareUtf8(a.rel, b.rel));
    const what = options.followSymlinks
      ? `${links.length} symbolic link${links.length > 1 ? "s" : ""} cannot be followed`
      : `${links.length} symbolic link${links.length > 1 ? "s" : ""} (add --follow-symlinks to hash their targets)`;
    throw new KcError(`${display("")} has ${what}: ${links.map((l) => `${l.rel} ${l.why}`).join("; ")}`);
  }
  return finishFolderTree(root, filter, files, folders, excluded);
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

async function readIgnoreFile(path: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fsError(err, shown);
  }
}

/**
 * A file to read later. O_NOFOLLOW closes the gap between the walk and the read in which a file could
 * be swapped for a link (a followed link is opened by its real path, so the flag holds there too).
 */
function fileAt(abs: string, shown: string, rel: string, size: number): ContentFile {
  return {
    path: rel,
    size,
    shown,
    read: () => readChunks(abs, shown, size),
  };
}

async function* readChunks(abs: string, shown: string, size: number): AsyncGenerator<Uint8Array> {
  if (size < READ_CHUNK_BYTES) {
    yield* readSmall(abs, shown, size);
    return;
  }
  let handle;
  try {
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, shown);
  }
  try {
    const stream = createReadStream(abs, { fd: handle, highWaterMark: READ_CHUNK_BYTES, autoClose: false });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      throw fsError(err, shown);
    }
  } finally {
    await handle.close();
  }
}

/**
 * A file under one chunk, read with synchronous calls (open, read, close: a few microseconds, where
 * each thread-pool round trip costs far more when there are thousands of files). One spare byte shows
 * a file that grew since the walk; the core then reports the size mismatch.
 */
function* readSmall(abs: string, shown: string, size: number): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, shown);
  }
  const buffer = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      filled += n;
      if (n === 0 || filled === buffer.length) break;
    }
  } catch (err) {
    throw fsError(err, shown);
  } finally {
    closeSync(fd);
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function statOrThrow(path: string, shown: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    throw fsError(err, shown);
  }
}

/** Turn a Node fs error into one readable line naming the path. */
export function fsError(err: unknown, shown: string): Error {
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
