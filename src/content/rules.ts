import ignore, { type Ignore } from "ignore";

/**
 * Which files of a folder are content. Platform-free: used by the Node walker and usable by a browser
 * that walks a `FileSystemDirectoryHandle`. Both hash modes apply the same rules, so switching modes
 * never changes which files count.
 */

/** The file at a folder's top whose lines (gitignore syntax) exclude more paths. */
export const IGNORE_FILE = ".kcignore";

/**
 * VCS and OS metadata, excluded unless `--no-default-excludes`: these change with every `git` command or
 * Finder visit, so including them would make a fresh clone hash differently from the original. A
 * `.kcignore` line such as `!.DS_Store` re-includes one. Names without a trailing `/` match files too
 * (a git worktree or submodule has a `.git` *file*).
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  ".git",
  ".hg",
  ".svn",
  ".bzr",
  ".jj",
  "_darcs",
  "CVS/",
  ".DS_Store",
  "._*",
  ".AppleDouble/",
  ".Spotlight-V100/",
  ".Trashes/",
  ".fseventsd/",
  ".TemporaryItems/",
  "Thumbs.db",
  "ehthumbs.db",
  "desktop.ini",
  "$RECYCLE.BIN/",
];

/** Line format of the manifest: `relative/path` NUL `sha256-hex` LF. */
export const MANIFEST_FIELD_SEPARATOR = "\0";
export const MANIFEST_LINE_END = "\n";
export const MANIFEST_PATH_SEPARATOR = "/";

/** The folder rules, printed by `kc hash --manifest` and the README, so users can audit a digest. */
export const FOLDER_HASH_RULES: readonly string[] = [
  "Only regular files count; paths are relative to the folder and use / on every OS.",
  `Excluded by default (VCS and OS metadata, at any depth): ${DEFAULT_EXCLUDES.join(" ")}; --no-default-excludes keeps them.`,
  `A ${IGNORE_FILE} file at the folder's top excludes more (gitignore syntax; !pattern re-includes); it is itself hashed.`,
  "The same files count in both modes; in ipfs mode empty subfolders are part of the DAG (as ipfs add -r does), in manifest mode they are not.",
  "manifest mode: one line per file, relative/path \\0 sha256-hex \\n, sorted by the UTF-8 bytes of the path; the digest is SHA-256 of those lines.",
  "ipfs mode: the digest is SHA-256 of the UnixFS root block (CIDv1, raw leaves, 1 MiB chunks, 1024 links per node, HAMT above 256 KiB), profile unixfs-v1-2025.",
  "File names are hashed as stored: no Unicode normalisation, no case folding; they must be valid UTF-8 without line breaks.",
  "Timestamps, permissions and owners are not part of the digest.",
  "A folder with no files after excludes is an error.",
  "Symbolic links are refused unless --follow-symlinks, which hashes each target as if it were copied in place; targets outside the folder also need --allow-outside.",
  "Sockets, FIFOs and devices inside the folder are refused.",
];

/** Decides whether a path relative to the folder is excluded. */
export interface ExcludeFilter {
  /** `rel` uses `/`; folders are tested with their own rules (a `dir/` pattern matches only folders). */
  excludes(rel: string, isFolder: boolean): boolean;
  /** The patterns in force, defaults first, for the manifest output. */
  readonly patterns: readonly string[];
}

/** The filter for a folder: the default excludes (unless turned off), then the folder's `.kcignore`. */
export function excludeFilter(options: { defaultExcludes?: boolean; kcignore?: string }): ExcludeFilter {
  const defaults = options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES;
  const own = options.kcignore ?? "";
  // The library parses the file itself, so gitignore details (escapes, trailing spaces) hold.
  const matcher: Ignore = ignore()
    .add([...defaults])
    .add(own);
  const patterns = [
    ...defaults,
    ...own
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  ];
  return {
    patterns,
    excludes: (rel, isFolder) => matcher.ignores(isFolder ? `${rel}/` : rel),
  };
}

const UTF8 = new TextEncoder();

/** Compare two paths by their UTF-8 bytes (not by locale or UTF-16 code units). */
export function compareUtf8(a: string, b: string): number {
  const x = UTF8.encode(a);
  const y = UTF8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
