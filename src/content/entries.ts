import { KcError, show } from "../errors";
import type { ContentFile, ContentTree } from "./core";
import {
  type ExcludeFilter,
  IGNORE_FILE,
  MANIFEST_PATH_SEPARATOR,
  compareUtf8,
  excludeFilter,
} from "./rules";

/**
 * A platform-free walker: the folder rules of `./node.ts` (exclude rules and `.kcignore`, excluded folders
 * not descended, empty folders kept for the UnixFS DAG, names with line breaks refused, a folder without
 * files refused, UTF-8 byte order) over any source that can list a folder and read a file. A browser
 * gives it the folder a user dropped (`FileSystemDirectoryEntry`) or picked; the result goes to `hashTree`
 * and gives the digest `kc hash` gives for the same folder on disk.
 */

/** A file of an abstract folder. */
export interface EntryFile {
  kind: "file";
  name: string;
  size: number;
  /** The bytes, in chunks of any size. */
  read(): AsyncIterable<Uint8Array>;
}

/** A folder of an abstract folder tree. */
export interface EntryFolder {
  kind: "folder";
  name: string;
  /** The folder's entries, in any order. */
  list(): Promise<(EntryFile | EntryFolder)[]>;
}

export interface EntryWalkOptions {
  /** Leave out VCS and OS metadata (default true), as `kc hash` does without `--no-default-excludes`. */
  defaultExcludes?: boolean;
}

/** Whole bytes of a file, for the ignore file. */
async function bytesOf(file: EntryFile): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of file.read()) {
    parts.push(chunk);
    n += chunk.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Node's `readFile(path, "utf8")`: invalid bytes become U+FFFD, a byte-order mark is kept. */
const decodeUtf8 = (bytes: Uint8Array) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

/** The tree of a single file, as `walk` gives for a file path. */
export function fileTree(file: EntryFile, shown = file.name): ContentTree {
  return {
    kind: "file",
    shown: show(shown),
    files: [{ path: "", size: file.size, shown: show(shown), read: () => file.read() }],
    folders: [],
    excluded: [],
    patterns: [],
  };
}

/** The tree of `root`'s content under the folder rules, as `walk` gives for a folder on disk. */
export async function walkEntries(root: EntryFolder, options: EntryWalkOptions = {}): Promise<ContentTree> {
  const top = await root.list();
  const ignoreFile = top.find((e): e is EntryFile => e.kind === "file" && e.name === IGNORE_FILE);
  const kcignore = ignoreFile ? decodeUtf8(await bytesOf(ignoreFile)) : undefined;
  const filter = excludeFilter({ defaultExcludes: options.defaultExcludes, kcignore });
  const display = (rel: string) => show(rel ? `${root.name}/${rel}` : root.name);

  const files: ContentFile[] = [];
  const folders: string[] = [];
  const excluded: string[] = [];
  const pending: { rel: string; entries: (EntryFile | EntryFolder)[] }[] = [{ rel: "", entries: top }];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of dir.entries) {
      const rel = dir.rel ? dir.rel + MANIFEST_PATH_SEPARATOR + entry.name : entry.name;
      if (/[\r\n]/.test(entry.name)) throw new KcError(`file name contains a line break: ${display(rel)}`);
      if (entry.kind === "folder") {
        if (filter.excludes(rel, true)) {
          excluded.push(`${rel}/`);
          continue;
        }
        folders.push(rel);
        pending.push({ rel, entries: await entry.list() });
      } else {
        if (filter.excludes(rel, false)) {
          excluded.push(rel);
          continue;
        }
        files.push({ path: rel, size: entry.size, shown: display(rel), read: () => entry.read() });
      }
    }
  }
  return finishFolderTree(root.name, filter, files, folders, excluded);
}

/**
 * The last step of every folder walk (disk or abstract): a folder without files is an error, and files,
 * folders and exclusions are sorted by the UTF-8 bytes of their paths.
 */
export function finishFolderTree(
  root: string,
  filter: ExcludeFilter,
  files: ContentFile[],
  folders: string[],
  excluded: string[],
): ContentTree {
  if (files.length === 0) {
    const note =
      excluded.length > 0
        ? ` after excludes (left out: ${excluded.sort(compareUtf8).join(", ")})`
        : " (empty folders count for nothing)";
    throw new KcError(`folder has no files to hash${note}: ${show(root)}`);
  }
  files.sort((a, b) => compareUtf8(a.path, b.path));
  folders.sort(compareUtf8);
  excluded.sort(compareUtf8);
  return { kind: "folder", shown: show(root), files, folders, excluded, patterns: filter.patterns };
}
