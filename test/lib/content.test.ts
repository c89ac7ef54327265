import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { type ContentTree, hashTree } from "../../src/content/core";
import { DigestScheme, hashPath } from "../../src/hash";
import { expectKcError } from "./helpers";
import { type Tree, cidDigest, cidString, dirNode, fileNode } from "./unixfsReference";

/**
 * IPFS mode (unixfs-v1-2025), the exclude rules and symbolic links. Every pinned CID below is also
 * rebuilt by ./unixfsReference.ts, a separate DAG builder written from the specs that shares no code
 * with ipfs-unixfs-importer, and that builder is checked against CIDs kubo gives for an empty file and
 * an empty folder. No kubo binary is available here (Debian ships none); with one, the same CIDs come
 * from `ipfs add -r --hidden --cid-version 1 --raw-leaves --chunker size-1048576 <path>`.
 */

const ROOT = join(__dirname, "..", "..");

/** 2,500,000 bytes of a fixed pattern: three 1 MiB chunks, the last one partial. */
const BIG = Buffer.from(Uint8Array.from({ length: 2_500_000 }, (_, i) => (i * 31 + (i >> 8)) & 255));
const BIG_CID = "bafybeiavkpm2niczhnyyzapnxqub7fyv5xeuf34n4eifkumb26daunv3da";
const RIVER_CID = "bafybeia5q3frtp7uund73fmk4qqylhxujnbt6msrhp7o6pah6gydgwvmmq";
/** What kubo gives for `ipfs add --cid-version 1 --raw-leaves` of an empty file, and for an empty folder. */
const KUBO_EMPTY_FILE = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const KUBO_EMPTY_DIR = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";

/** A nested folder: subfolders three deep, an empty subfolder, names that sort differently in UTF-16. */
const NESTED: Tree = {
  "README.md": Buffer.from("# nested\n"),
  data: {
    "a.csv": Buffer.from("a\n1\n"),
    nested: { deep: { "model.bin": Buffer.from(Array.from({ length: 256 }, (_, i) => i)) } },
    empty: {},
  },
  "a-b.txt": Buffer.from("dash\n"),
  "\uff61.txt": Buffer.from("halfwidth\n"),
  "\u{1f600}.txt": Buffer.from("emoji\n"),
  "big.bin": BIG,
};
const NESTED_CID = "bafybeigfadu5qjyd5l5ealvcdk7v2ij2u4vss2lqviw34cdmpozzqn52wq";

function write(root: string, tree: Tree): string {
  mkdirSync(root, { recursive: true });
  for (const [name, value] of Object.entries(tree)) {
    if (value instanceof Uint8Array) writeFileSync(join(root, name), value);
    else write(join(root, name), value);
  }
  return root;
}

function put(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("content", function () {
  let tmp: string;
  let n = 0;
  const fresh = () => mkdtempSync(join(tmp, `case${n++}-`));

  before(function () {
    tmp = mkdtempSync(join(tmpdir(), "kc-content-"));
  });

  after(function () {
    rmSync(tmp, { recursive: true, force: true });
  });

  describe("the reference builder", function () {
    it("gives kubo's CIDs for an empty file and an empty folder", function () {
      expect(cidString(fileNode(new Uint8Array()).cid)).to.equal(KUBO_EMPTY_FILE);
      expect(cidString(dirNode({}).cid)).to.equal(KUBO_EMPTY_DIR);
    });
  });

  describe("ipfs mode (unixfs-v1-2025)", function () {
    it("hashes an empty file to kubo's raw CID", async function () {
      const file = join(fresh(), "empty");
      writeFileSync(file, "");
      expect(await hashPath(file)).to.deep.include({ cid: KUBO_EMPTY_FILE, scheme: DigestScheme.Raw });
    });

    it("pins a 2.5 MB file: three chunks under a dag-pb root, as the reference builds it", async function () {
      const file = join(fresh(), "big.bin");
      writeFileSync(file, BIG);
      const result = await hashPath(file);
      expect(cidString(fileNode(BIG).cid)).to.equal(BIG_CID);
      expect(result).to.deep.include({
        cid: BIG_CID,
        digest: cidDigest(fileNode(BIG).cid),
        scheme: DigestScheme.UnixFs,
        kind: "file",
        bytes: 2_500_000n,
      });
      // Manifest mode keeps a file's digest as the SHA-256 of its bytes (scheme raw).
      const sha = `0x${createHash("sha256").update(BIG).digest("hex")}`;
      expect(await hashPath(file, { mode: "manifest" })).to.deep.include({
        digest: sha,
        scheme: DigestScheme.Raw,
      });
      expect(result.digest).not.to.equal(sha);
    });

    it("pins examples/river-dataset, as the reference builds it", async function () {
      const folder = join(ROOT, "examples", "river-dataset");
      const tree: Tree = {
        "README.md": readFileSync(join(folder, "README.md")),
        "readings.csv": readFileSync(join(folder, "readings.csv")),
      };
      expect(cidString(dirNode(tree).cid)).to.equal(RIVER_CID);
      expect(await hashPath(folder)).to.deep.include({
        cid: RIVER_CID,
        scheme: DigestScheme.UnixFs,
        files: 2,
      });
    });

    it("pins a nested folder with an empty subfolder and a multi-chunk file, as the reference builds it", async function () {
      const root = write(fresh(), NESTED);
      expect(cidString(dirNode(NESTED).cid)).to.equal(NESTED_CID);
      const result = await hashPath(root);
      expect(result).to.deep.include({ cid: NESTED_CID, digest: cidDigest(dirNode(NESTED).cid), files: 7 });
      // Manifest mode ignores empty folders; IPFS mode keeps them, as `ipfs add -r` does.
      const withoutEmpty = structuredClone(NESTED);
      delete (withoutEmpty.data as Tree).empty;
      expect(cidString(dirNode(withoutEmpty).cid)).not.to.equal(NESTED_CID);
    });

    it("gives the same digest with any concurrency", async function () {
      const root = write(fresh(), NESTED);
      for (const concurrency of [1, 3, 64]) {
        expect((await hashPath(root, { concurrency })).cid).to.equal(NESTED_CID);
      }
    });
  });

  describe("excludes", function () {
    it("leaves out VCS and OS metadata by default, in both modes, and lists it", async function () {
      const clean = put(fresh(), { "a.txt": "a\n", "sub/b.txt": "b\n" });
      const messy = put(fresh(), {
        "a.txt": "a\n",
        "sub/b.txt": "b\n",
        ".DS_Store": "x",
        "sub/Thumbs.db": "x",
        "sub/._b.txt": "x",
        ".svn/entries": "x",
      });
      execFileSync("git", ["init", "-q", messy]);
      for (const mode of ["ipfs", "manifest"] as const) {
        const result = await hashPath(messy, { mode });
        expect(result.digest).to.equal((await hashPath(clean, { mode })).digest);
        expect(result.excluded).to.deep.equal([
          ".DS_Store",
          ".git/",
          ".svn/",
          "sub/._b.txt",
          "sub/Thumbs.db",
        ]);
        const all = await hashPath(messy, { mode, defaultExcludes: false });
        expect(all.digest).not.to.equal(result.digest);
        expect(all.excluded).to.deep.equal([]);
      }
    });

    it("applies .kcignore (gitignore syntax, ! re-includes) and hashes the .kcignore itself", async function () {
      const root = put(fresh(), {
        ".kcignore": "# build output\n*.tmp\n!keep.tmp\nbuild/\n!.DS_Store\n",
        "a.txt": "a\n",
        "x.tmp": "x",
        "keep.tmp": "k",
        "build/out.bin": "o",
        "src/build/nested.bin": "n",
        ".DS_Store": "d",
      });
      const result = await hashPath(root, { mode: "manifest" });
      expect(result.manifest!.entries.map((e) => e.path)).to.deep.equal([
        ".DS_Store",
        ".kcignore",
        "a.txt",
        "keep.tmp",
      ]);
      expect(result.excluded).to.deep.equal(["build/", "src/build/", "x.tmp"]);
    });

    it("hashes a fresh git clone like the original working copy", async function () {
      this.timeout(20_000);
      const original = put(fresh(), {
        ".kcignore": "node_modules/\n",
        ".gitignore": "node_modules/\n",
        "README.md": "# project\n",
        "src/main.py": "print('hi')\n",
        "data/big.bin": BIG.toString("latin1"),
      });
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], {
          cwd: original,
        });
      git("init", "-q");
      git("add", ".");
      git("commit", "-qm", "first");
      put(original, { "node_modules/dep/index.js": "x", ".DS_Store": "finder", "src/.DS_Store": "finder" });
      const clone = join(fresh(), "clone");
      execFileSync("git", ["clone", "-q", original, clone]);
      for (const mode of ["ipfs", "manifest"] as const) {
        expect((await hashPath(clone, { mode })).digest).to.equal(
          (await hashPath(original, { mode })).digest,
        );
      }
    });
  });

  describe("symbolic links", function () {
    /** A Hugging Face cache: every snapshot file is a link into ../../blobs (one level deeper below). */
    function hfCache(): { snapshot: string; copy: string } {
      const cache = fresh();
      const config = '{"model_type": "tiny"}\n';
      const blob = (s: string) => createHash("sha256").update(s).digest("hex");
      put(cache, { [`blobs/${blob(config)}`]: config, [`blobs/${blob("weights")}`]: "weights" });
      const snapshot = join(cache, "snapshots", "0123abcd");
      mkdirSync(join(snapshot, "onnx"), { recursive: true });
      symlinkSync(`../../blobs/${blob(config)}`, join(snapshot, "config.json"));
      symlinkSync(`../../../blobs/${blob("weights")}`, join(snapshot, "onnx", "model.onnx"));
      const copy = put(fresh(), { "config.json": config, "onnx/model.onnx": "weights" });
      return { snapshot, copy };
    }

    it("refuses links by default, listing every link in one line", async function () {
      const { snapshot } = hfCache();
      await expectKcError(
        () => hashPath(snapshot),
        new RegExp(
          `^${snapshot} has 2 symbolic links \\(add --follow-symlinks to hash their targets\\): ` +
            "config.json -> ../../blobs/[0-9a-f]{64}; onnx/model.onnx -> ../../../blobs/[0-9a-f]{64}$",
        ),
      );
    });

    it("with --follow-symlinks refuses links that leave the folder, listing each", async function () {
      const { snapshot } = hfCache();
      await expectKcError(
        () => hashPath(snapshot, { followSymlinks: true }),
        /has 2 symbolic links cannot be followed: config\.json -> \S+: outside the folder \(add --allow-outside\); onnx\/model\.onnx -> \S+: outside the folder/,
      );
    });

    it("hashes a Hugging Face snapshot with --follow-symlinks --allow-outside like a real copy", async function () {
      const { snapshot, copy } = hfCache();
      for (const mode of ["ipfs", "manifest"] as const) {
        const followed = await hashPath(snapshot, { mode, followSymlinks: true, allowOutside: true });
        expect(followed.digest).to.equal((await hashPath(copy, { mode })).digest);
      }
    });

    it("follows links inside the folder without --allow-outside", async function () {
      const root = put(fresh(), { "real/a.txt": "a" });
      symlinkSync("real/a.txt", join(root, "alias.txt"));
      symlinkSync("real", join(root, "again"));
      const copy = put(fresh(), { "real/a.txt": "a", "alias.txt": "a", "again/a.txt": "a" });
      expect((await hashPath(root, { followSymlinks: true })).digest).to.equal((await hashPath(copy)).digest);
    });

    it("refuses a dangling link and a loop, listing both", async function () {
      const root = put(fresh(), { "a.txt": "a" });
      mkdirSync(join(root, "sub"));
      symlinkSync("missing.txt", join(root, "gone.txt"));
      symlinkSync("..", join(root, "sub", "up"));
      await expectKcError(
        () => hashPath(root, { followSymlinks: true }),
        `${root} has 2 symbolic links cannot be followed: gone.txt -> missing.txt: dangling (the target does not exist); ` +
          "sub/up -> ..: a loop (points to a folder that contains it)",
      );
    });
  });

  describe("the platform-free core", function () {
    /** The modules a browser bundle would pull in: none may import a Node built-in or use Buffer. */
    const CORE = [
      "content/core",
      "content/rules",
      "content/scheme",
      "content/ref",
      "cid",
      "parse",
      "errors",
      "esm",
    ];

    it("imports no Node built-in and uses no Buffer", function () {
      for (const name of CORE) {
        const code = readFileSync(join(ROOT, "src", `${name}.ts`), "utf8")
          .split("\n")
          .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)) // comments may mention them
          .join("\n");
        expect(code, name).not.to.match(/from "node:|require\(|\bBuffer\b|\bprocess\./);
      }
    });

    it("hashes files held in memory, with the pure-JS SHA-256, to the same digests", async function () {
      const enc = new TextEncoder();
      const files = [
        { path: "README.md", content: enc.encode("# nested\n") },
        { path: "big.bin", content: new Uint8Array(BIG) },
      ];
      const tree: ContentTree = {
        kind: "folder",
        shown: "memory",
        folders: [],
        excluded: [],
        patterns: [],
        files: files.map((f) => ({
          path: f.path,
          size: f.content.length,
          shown: f.path,
          read: async function* () {
            for (let at = 0; at < f.content.length; at += 65_536) yield f.content.subarray(at, at + 65_536);
          },
        })),
      };
      const expected: Tree = { "README.md": Buffer.from("# nested\n"), "big.bin": BIG };
      expect((await hashTree(tree, { mode: "ipfs" })).cid).to.equal(cidString(dirNode(expected).cid));
      const onDisk = write(fresh(), expected);
      expect((await hashTree(tree, { mode: "manifest" })).digest).to.equal(
        (await hashPath(onDisk, { mode: "manifest" })).digest,
      );
    });
  });

  describe("bad input", function () {
    it("refuses a folder that is empty after excludes, naming what was left out", async function () {
      const root = put(fresh(), { ".DS_Store": "x" });
      execFileSync("git", ["init", "-q", root]);
      await expectKcError(
        () => hashPath(root),
        `folder has no files to hash after excludes (left out: .DS_Store, .git/): ${root}`,
      );
    });

    it("refuses an unreadable file with one line (run as an unprivileged user when the tests run as root)", async function () {
      this.timeout(30_000);
      const root = put(fresh(), { "ok.txt": "ok", "secret.bin": "s" });
      chmodSync(join(root, "secret.bin"), 0o000);
      const isRoot = process.getuid?.() === 0;
      if (!isRoot) {
        await expectKcError(() => hashPath(root), `permission denied: ${root}/secret.bin`);
        return;
      }
      // Root reads any file, so the same call runs in a child process as `nobody` (uid 65534).
      for (let dir = root; dir !== tmpdir(); dir = dirname(dir)) chmodSync(dir, 0o755);
      const script =
        `require("./src/hash").hashPath(${JSON.stringify(root)})` +
        `.then(() => console.log("no error"), (e) => console.log(e.name + ": " + e.message))`;
      const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: ROOT,
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      });
      if (child.error || (child.status !== 0 && !child.stdout)) {
        this.skip(); // cannot run as nobody here (no such user, or the checkout is not world-readable)
      }
      expect(child.stdout.trim()).to.equal(`KcError: permission denied: ${root}/secret.bin`);
    });
  });
});
