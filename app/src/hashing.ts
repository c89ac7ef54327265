/**
 * Hashing in the browser with the CLI's code: the SDK's platform-free walker (src/content/entries.ts) and
 * hashing core (src/content/core.ts) over what the user dropped or picked, so a digest here equals
 * `kc hash` of the same file or folder on disk. Loaded on demand (a chunk of its own: the UnixFS importer
 * and multiformats are not needed by the first page).
 */
import { type ContentHash, type Progress, hashTree } from "../../src/content/core";
import { type EntryFile, type EntryFolder, fileTree, walkEntries } from "../../src/content/entries";
import { type HashMode, ipfsUriOf } from "../../src/content/scheme";
import { parseArtifactRef } from "../../src/refs";

export { DigestScheme, SCHEME_MEANING, SCHEME_NAMES } from "../../src/content/scheme";
export { parseArtifactRef };

export type Dropped = EntryFile | EntryFolder;

export interface BrowserHash extends ContentHash {
  /** The dropped file's or folder's name. */
  name: string;
  /** `ipfs://<cid>`, absent for a manifest digest. */
  uri?: string;
}

async function* chunksOf(blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

export function entryOfFile(file: File, name = file.name): EntryFile {
  return { kind: "file", name, size: file.size, read: () => chunksOf(file) };
}

/** A dropped `FileSystemEntry` (from `DataTransferItem.webkitGetAsEntry`) as the SDK's abstract entry. */
export async function entryOfSystemEntry(entry: FileSystemEntry): Promise<Dropped> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    return entryOfFile(file, entry.name);
  }
  const dir = entry as FileSystemDirectoryEntry;
  return {
    kind: "folder",
    name: entry.name,
    async list() {
      // readEntries hands out a folder in batches (100 in Chromium) until an empty one.
      const reader = dir.createReader();
      const all: FileSystemEntry[] = [];
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        all.push(...batch);
      }
      return Promise.all(all.map(entryOfSystemEntry));
    },
  };
}

/**
 * Files from `<input type=file webkitdirectory>` (each with its `webkitRelativePath`, the first segment being
 * the folder picked) as one abstract folder. Such a list has no empty folders; dropping the folder keeps them.
 */
export function entryOfFileList(files: readonly File[]): Dropped {
  if (files.length === 1 && !files[0].webkitRelativePath) return entryOfFile(files[0]);
  interface Node {
    folders: Map<string, Node>;
    files: EntryFile[];
  }
  const root: Node = { folders: new Map(), files: [] };
  let rootName = "";
  for (const file of files) {
    const parts = (file.webkitRelativePath || file.name).split("/");
    rootName ||= parts.length > 1 ? parts[0] : "";
    let node = root;
    for (const part of parts.slice(parts.length > 1 ? 1 : 0, -1)) {
      if (!node.folders.has(part)) node.folders.set(part, { folders: new Map(), files: [] });
      node = node.folders.get(part)!;
    }
    node.files.push(entryOfFile(file, parts[parts.length - 1]));
  }
  const folderOf = (name: string, node: Node): EntryFolder => ({
    kind: "folder",
    name,
    list: async () => [...node.files, ...[...node.folders].map(([n, sub]) => folderOf(n, sub))],
  });
  return folderOf(rootName || "files", root);
}

export interface BrowserHashOptions {
  mode?: HashMode;
  defaultExcludes?: boolean;
  onProgress?: Progress;
}

/** `kc hash` of what was dropped: IPFS mode by default, default excludes on, the folder's `.kcignore` applied. */
export async function hashDropped(dropped: Dropped, options: BrowserHashOptions = {}): Promise<BrowserHash> {
  const tree =
    dropped.kind === "file"
      ? fileTree(dropped)
      : await walkEntries(dropped, { defaultExcludes: options.defaultExcludes });
  const result = await hashTree(tree, { mode: options.mode ?? "ipfs", onProgress: options.onProgress });
  return { ...result, name: dropped.name, uri: await ipfsUriOf(result.digest, result.scheme) };
}
