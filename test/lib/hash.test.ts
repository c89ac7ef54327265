import { expect } from "chai";
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { KcError } from "../../src/errors";
import {
  DigestScheme,
  buildManifest,
  hashFile,
  hashFolder,
  hashPath,
  READ_CHUNK_BYTES,
} from "../../src/hash";
import { expectKcError } from "./helpers";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const HELLO_SHA256 = "0x5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const EMPTY_SHA256 = "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const CAFE_NFC = "donn\u00e9es/caf\u00e9.txt";
const CAFE_NFD = "donne\u0301es/cafe\u0301.txt";

/** The test folder's files, listed in the order the manifest must have (UTF-8 byte order), by hand. */
const FOLDER: [path: string, content: string | Buffer][] = [
  ["B.txt", "upper case sorts before lower case\n"],
  ["README.md", "# Commons\n"],
  ["a-b.txt", "'-' (0x2d) sorts before '/' (0x2f)\n"],
  ["a/z.txt", "z\n"],
  ["data/a.csv", "a\n1\n"],
  ["data/b.csv", "x,y\n1,2\n"],
  ["data/nested/deep/model.bin", Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  [CAFE_NFC, "bonjour\n"],
  ["empty.txt", ""],
  ["\uff61.txt", "U+FF61 is EF BD A1 in UTF-8 but sorts after U+1F600 in UTF-16\n"],
  ["\u{1f600}.txt", "U+1F600 is F0 9F 98 80 in UTF-8\n"],
];
const EMPTY_FOLDERS = ["data/empty", "nothing/inside"];

/** Digest of FOLDER (computed once with Python's hashlib), pinned so a format change fails the test. */
const FOLDER_DIGEST = "0xafa254cfe137a4681c22415a6f33122eed7b6a73779bf221bced3a12099d9281";

function makeFolder(root: string, files: [string, string | Buffer][], emptyFolders: string[]): string {
  for (const folder of emptyFolders) mkdirSync(join(root, folder), { recursive: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The manifest written out independently of the library, from FOLDER's hand-sorted order. */
function handManifest(files: [string, string | Buffer][]): string {
  return files.map(([path, content]) => `${path}\0${sha256(content)}\n`).join("");
}

describe("hash", function () {
  let tmp: string;
  let n = 0;
  const fresh = () => mkdtempSync(join(tmp, `case${n++}-`));

  before(function () {
    tmp = mkdtempSync(join(tmpdir(), "kc-hash-"));
  });

  after(function () {
    rmSync(tmp, { recursive: true, force: true });
  });

  describe("hashFile", function () {
    it("hashes hello\\n to its known SHA-256", async function () {
      const file = join(fresh(), "hello.txt");
      writeFileSync(file, "hello\n");
      expect(await hashFile(file)).to.equal(HELLO_SHA256);
    });

    it("hashes an empty file to the SHA-256 of no bytes", async function () {
      const file = join(fresh(), "empty");
      writeFileSync(file, "");
      expect(await hashFile(file)).to.equal(EMPTY_SHA256);
    });

    it("streams a 64 MiB file with bounded memory and reports progress", async function () {
      this.timeout(20_000);
      const size = 64 * 1024 * 1024;
      const file = join(fresh(), "big.bin");
      writeFileSync(file, "");
      truncateSync(file, size); // sparse: reads back as zeros without using disk
      const expected = createHash("sha256");
      const zeros = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 64; i++) expected.update(zeros);

      const calls: [number, number][] = [];
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const digest = await hashFile(file, ({ bytes, bytesTotal }) => {
        calls.push([bytes, bytesTotal]);
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      });

      expect(digest).to.equal(`0x${expected.digest("hex")}`);
      expect(rssPeak - rssBefore).to.be.lessThan(64 * 1024 * 1024);
      expect(calls.length).to.be.at.least(size / READ_CHUNK_BYTES);
      expect(calls.every(([, total]) => total === size)).to.equal(true);
      expect(calls.every(([done], i) => i === 0 || done >= calls[i - 1][0])).to.equal(true);
      expect(calls[calls.length - 1]).to.deep.equal([size, size]);
    });

    it("rejects a missing path, naming it", async function () {
      await expectKcError(() => hashFile("./no-such-file.txt"), "no such file or folder: ./no-such-file.txt");
    });

    it("rejects a folder", async function () {
      const folder = fresh();
      await expectKcError(() => hashFile(folder), `expected a file but found a folder: ${folder}`);
    });
  });

  describe("hashFolder", function () {
    it("hashes the manifest written by hand", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      const manifest = handManifest(FOLDER);
      expect(await hashFolder(root)).to.equal(`0x${sha256(manifest)}`);
      expect((await buildManifest(root)).text).to.equal(manifest);
    });

    it("matches the pinned digest", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      expect(await hashFolder(root)).to.equal(FOLDER_DIGEST);
    });

    it("sorts by UTF-8 bytes, which differs from locale and UTF-16 order", function () {
      const paths = FOLDER.map(([path]) => path);
      const byBytes = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(byBytes).to.deep.equal(paths);
      expect([...paths].sort()).not.to.deep.equal(paths);
      expect([...paths].sort((a, b) => a.localeCompare(b))).not.to.deep.equal(paths);
    });

    it("does not depend on creation order, timestamps or permissions", async function () {
      const first = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      const second = makeFolder(fresh(), [...FOLDER].reverse(), [...EMPTY_FOLDERS].reverse());
      utimesSync(join(second, "README.md"), new Date(0), new Date(0));
      chmodSync(join(second, "data/a.csv"), 0o600);
      expect(await hashFolder(second)).to.equal(await hashFolder(first));
    });

    it("hashes names as stored, without Unicode normalisation", async function () {
      const nfd = FOLDER.map(([path, content]): [string, string | Buffer] => [
        path === CAFE_NFC ? CAFE_NFD : path,
        content,
      ]);
      const root = makeFolder(fresh(), nfd, []);
      const manifest = await buildManifest(root);
      expect(manifest.entries.map((e) => e.path)).to.include(CAFE_NFD);
      expect(await hashFolder(root)).not.to.equal(FOLDER_DIGEST);
    });

    it("changes when a file's content changes", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      writeFileSync(join(root, "empty.txt"), " ");
      expect(await hashFolder(root)).not.to.equal(FOLDER_DIGEST);
    });

    it("reports progress over all files", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      const total = FOLDER.reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0);
      const calls: [number, number][] = [];
      await hashFolder(root, { onProgress: ({ bytes, bytesTotal }) => calls.push([bytes, bytesTotal]) });
      expect(calls[calls.length - 1]).to.deep.equal([total, total]);
    });

    it("rejects a symbolic link to a file, naming the link", async function () {
      const root = makeFolder(fresh(), [["real.txt", "x"]], []);
      symlinkSync("real.txt", join(root, "link.txt"));
      await expectKcError(
        () => hashFolder(root),
        `${root} has 1 symbolic link (add --follow-symlinks to hash their targets): link.txt -> real.txt`,
      );
    });

    it("rejects a symbolic link to a folder and a dangling link, listing both at once", async function () {
      const root = makeFolder(fresh(), [["sub/a.txt", "a"]], ["deep"]);
      symlinkSync("sub", join(root, "alias"));
      symlinkSync("/nowhere/at/all", join(root, "deep", "gone"));
      await expectKcError(
        () => hashFolder(root),
        `${root} has 2 symbolic links (add --follow-symlinks to hash their targets): ` +
          "alias -> sub; deep/gone -> /nowhere/at/all",
      );
    });

    it("rejects a folder with no files, even with empty subfolders", async function () {
      const root = makeFolder(fresh(), [], EMPTY_FOLDERS);
      await expectKcError(() => hashFolder(root), /^folder has no files to hash .*: /);
    });

    it("rejects a file name that is not valid UTF-8", async function () {
      const root = makeFolder(fresh(), [["ok.txt", "ok"]], []);
      try {
        writeFileSync(
          Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff]), Buffer.from(".txt")]),
          "x",
        );
      } catch {
        this.skip(); // the file system refuses such names itself (e.g. APFS)
      }
      await expectKcError(
        () => hashFolder(root),
        /^file name is not valid UTF-8 \(bytes 0x6261642dff2e747874\) in /,
      );
    });

    it("rejects a file name with a line break", async function () {
      const root = makeFolder(fresh(), [["two\nlines.txt", "x"]], []);
      await expectKcError(() => hashFolder(root), /^file name contains a line break: /);
    });

    it("rejects a missing path and a file", async function () {
      await expectKcError(() => hashFolder("./no-such-folder"), "no such file or folder: ./no-such-folder");
      const file = join(fresh(), "f.txt");
      writeFileSync(file, "x");
      await expectKcError(() => hashFolder(file), `expected a folder but found a file: ${file}`);
    });
  });

  describe("buildManifest", function () {
    it("lists each file with its path, SHA-256 and size", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      const manifest = await buildManifest(root);
      expect(manifest.entries).to.deep.equal(
        FOLDER.map(([path, content]) => ({
          path,
          sha256: sha256(content),
          bytes: BigInt(Buffer.byteLength(content)),
        })),
      );
      expect(manifest.bytes).to.equal(manifest.entries.reduce((sum, e) => sum + e.bytes, 0n));
    });
  });

  describe("hashPath", function () {
    it("describes a file", async function () {
      const file = join(fresh(), "hello.txt");
      writeFileSync(file, "hello\n");
      // One chunk: the UnixFS importer gives a raw block, so IPFS mode and manifest mode agree.
      for (const mode of ["ipfs", "manifest"] as const) {
        expect(await hashPath(file, { mode })).to.deep.equal({
          digest: HELLO_SHA256,
          mode,
          scheme: DigestScheme.Raw,
          kind: "file",
          files: 1,
          bytes: 6n,
          cid: "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am",
        });
      }
    });

    it("describes a folder", async function () {
      const root = makeFolder(fresh(), FOLDER, EMPTY_FOLDERS);
      const result = await hashPath(root, { mode: "manifest" });
      expect(result.digest).to.equal(FOLDER_DIGEST);
      expect(result.scheme).to.equal(DigestScheme.Manifest);
      expect(result.cid).to.equal(undefined);
      expect(result.kind).to.equal("folder");
      expect(result.files).to.equal(FOLDER.length);
      expect(result.bytes).to.equal(BigInt(FOLDER.reduce((sum, [, c]) => sum + Buffer.byteLength(c), 0)));
    });

    it("throws KcError naming a missing path", async function () {
      const err = await hashPath("./x").catch((e: unknown) => e);
      expect(err).to.be.instanceOf(KcError);
      expect((err as Error).message).to.equal("no such file or folder: ./x");
    });
  });
});
