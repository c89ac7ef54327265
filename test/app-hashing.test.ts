import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";

import { expect } from "chai";
import { type Browser, type Page, chromium } from "playwright-core";

import { importEsm } from "../src/esm";
import { CHROMIUM } from "./e2e/appHarness";
import { ROOT } from "./e2e/harness";

/**
 * Pins the browser's digests to the CLI's: the app's own bundle (app/dist/hashing.js, built by app/build.mjs)
 * hashes fixtures in headless Chromium, from files given to real file inputs, and every digest and CID must
 * equal what `hardhat kc hash --json` prints for the same file or folder on disk: a small file (raw), a file
 * over one chunk (UnixFS dag-pb), a folder with a .kcignore, default excludes, nested and empty folders and
 * non-ASCII names, in both modes.
 */

const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");

function kcHash(path: string, ...flags: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT, "kc", "hash", path, "--json", ...flags], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`kc hash ${path} exited ${code}: ${err}`)),
    );
  });
}

/** Deterministic bytes, so a failure is reproducible. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function write(path: string, content: string | Buffer): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
}

describe("app hashing: the browser gives kc hash's digests", function () {
  // No contract code runs here; under coverage it would only repeat the browser work.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(300_000);
  let tmp: string;
  let browser: Browser | undefined;
  let server: Server;
  let page: Page;
  const problems: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`no Chromium at ${CHROMIUM}`);
      console.log(`      skipped: no Chromium at ${CHROMIUM}`);
      this.skip();
    }
    tmp = mkdtempSync(join(tmpdir(), "kc-app-hash-"));
    write(join(tmp, "small.txt"), "a small file, one raw block\n");
    write(join(tmp, "big.bin"), bytes((1 << 20) + 300_000, 7));
    const f = join(tmp, "folder");
    write(join(f, ".kcignore"), "# build output and logs\n*.log\nbuild/\n!keep.log\n");
    write(join(f, "README.md"), "# a folder\n");
    write(join(f, "keep.log"), "kept by !keep.log\n");
    write(join(f, "debug.log"), "left out by *.log\n");
    write(join(f, "build", "out.bin"), bytes(1000, 1));
    write(join(f, ".git", "HEAD"), "ref: refs/heads/main\n");
    write(join(f, ".DS_Store"), "finder\n");
    write(join(f, "src", "b.txt"), "b\n");
    write(join(f, "src", "deeper", "c.txt"), "c\n");
    write(join(f, "src", "Zeta.txt"), "Z sorts before a in UTF-8 bytes\n");
    write(join(f, "src", "été.txt"), "non-ASCII name\n");
    write(join(f, "data", "large.bin"), bytes((1 << 20) + 5, 3));
    // The same folder with an empty subfolder: part of the UnixFS DAG, so a different IPFS digest.
    const g = join(tmp, "with-empty");
    for (const name of ["README.md", "src/b.txt"]) write(join(g, name), readFileSync(join(f, name)));
    mkdirSync(join(g, "empty", "inner"), { recursive: true });

    const { buildApp, DIST } = await importEsm<any>(pathToFileURL(join(ROOT, "app", "build.mjs")).href);
    const built = await buildApp({ quiet: true });
    console.log(
      `      app bundle: first page ${(built.gzipBytes / 1024).toFixed(1)} KB gzipped, ` +
        `on demand ${(built.lazyGzipBytes / 1024).toFixed(1)} KB`,
    );
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/") {
        res.writeHead(200, { "content-type": "text/html" });
        return res.end(
          `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">` +
            `<input type="file" id="file"><input type="file" id="folder" webkitdirectory>`,
        );
      }
      const file = join(DIST, path);
      if (!file.startsWith(DIST) || !existsSync(file)) {
        res.writeHead(404);
        return res.end();
      }
      res.writeHead(200, {
        "content-type": extname(file) === ".js" ? "text/javascript" : "application/json",
      });
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    // The bundle's hashing entry, exactly as the app loads it on demand.
    await page.addScriptTag({
      type: "module",
      content: "import * as h from '/hashing.js'; window.kcHashing = h;",
    });
    await page.waitForFunction(() => (window as any).kcHashing !== undefined);
  });

  after(async function () {
    await browser?.close();
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => expect(problems, problems.join("\n")).to.deep.equal([]));

  /** Hashes the file input's file, as the Register page's file picker does. */
  const hashPicked = (mode: string) =>
    page.evaluate(async (mode) => {
      const h = (window as any).kcHashing;
      const files = [...(document.querySelector<HTMLInputElement>("#file")!.files ?? [])];
      const r = await h.hashDropped(h.entryOfFileList(files), { mode });
      return { digest: r.digest, cid: r.cid ?? null, scheme: h.SCHEME_NAMES[r.scheme], kind: r.kind };
    }, mode);

  /** Hashes the folder input's files, as the folder picker does (a flat list: no empty folders). */
  const hashFolderPicked = (mode: string) =>
    page.evaluate(async (mode) => {
      const h = (window as any).kcHashing;
      const files = [...(document.querySelector<HTMLInputElement>("#folder")!.files ?? [])];
      const r = await h.hashDropped(h.entryOfFileList(files), { mode });
      return { digest: r.digest, cid: r.cid ?? null, excluded: r.excluded, name: r.name };
    }, mode);

  /**
   * Hashes the folder input's files through the drop path (`entryOfSystemEntry`): Chromium cannot put a real
   * folder in a synthetic drop, so the `FileSystemDirectoryEntry` API is played by objects with the same
   * methods, handing out entries in batches as Chromium does, with `emptyFolders` added.
   */
  const hashFolderDropped = (mode: string, emptyFolders: string[]) =>
    page.evaluate(
      async ({ mode, emptyFolders }) => {
        const h = (window as any).kcHashing;
        const files = [...(document.querySelector<HTMLInputElement>("#folder")!.files ?? [])];
        type Fake = { name: string; isFile: boolean; isDirectory: boolean; kids?: Fake[]; file?: File };
        const rootName = files[0].webkitRelativePath.split("/")[0];
        const root: Fake = { name: rootName, isFile: false, isDirectory: true, kids: [] };
        const folderAt = (parts: string[]) => {
          let node = root;
          for (const part of parts) {
            let next = node.kids!.find((k) => k.name === part);
            if (!next) node.kids!.push((next = { name: part, isFile: false, isDirectory: true, kids: [] }));
            node = next;
          }
          return node;
        };
        for (const file of files) {
          const parts = file.webkitRelativePath.split("/").slice(1);
          folderAt(parts.slice(0, -1)).kids!.push({
            name: parts.at(-1)!,
            isFile: true,
            isDirectory: false,
            file,
          });
        }
        for (const path of emptyFolders) folderAt(path.split("/"));
        const entry = (f: Fake): unknown => ({
          name: f.name,
          isFile: f.isFile,
          isDirectory: f.isDirectory,
          file: (ok: (x: File) => void) => setTimeout(() => ok(f.file!)),
          createReader: () => {
            const left = [...(f.kids ?? [])].reverse().map(entry);
            return { readEntries: (ok: (x: unknown[]) => void) => setTimeout(() => ok(left.splice(0, 2))) };
          },
        });
        const r = await h.hashDropped(await h.entryOfSystemEntry(entry(root)), { mode });
        return { digest: r.digest, cid: r.cid ?? null, excluded: r.excluded };
      },
      { mode, emptyFolders },
    );

  for (const [name, size] of [
    ["small.txt", "one raw block"],
    ["big.bin", "over one 1 MiB chunk: a UnixFS root"],
  ]) {
    it(`a file, ${size}: the same digest and CID in both modes`, async function () {
      await page.setInputFiles("#file", join(tmp, name));
      for (const mode of ["ipfs", "manifest"]) {
        const cli = await kcHash(join(tmp, name), "--mode", mode);
        const browser = await hashPicked(mode);
        expect(browser).to.deep.equal({ digest: cli.digest, cid: cli.cid, scheme: cli.scheme, kind: "file" });
      }
      if (name === "big.bin") expect((await kcHash(join(tmp, name))).scheme).to.equal("unixfs");
    });
  }

  it("a folder with a .kcignore and default excludes: the same digest, CID and exclusions in both modes", async function () {
    await page.setInputFiles("#folder", join(tmp, "folder"));
    for (const mode of ["ipfs", "manifest"]) {
      const cli = await kcHash(join(tmp, "folder"), "--mode", mode);
      expect(cli.excluded).to.deep.equal([".DS_Store", ".git/", "build/", "debug.log"]);
      const picked = await hashFolderPicked(mode);
      expect(picked).to.deep.equal({
        digest: cli.digest,
        cid: cli.cid,
        excluded: cli.excluded,
        name: "folder",
      });
      const dropped = await hashFolderDropped(mode, []);
      expect(dropped).to.deep.equal({ digest: cli.digest, cid: cli.cid, excluded: cli.excluded });
    }
  });

  it("a dropped folder keeps its empty subfolders, as kc hash does in IPFS mode", async function () {
    // A browser's file input lists files only, so it is given the files and the drop path adds the empty folders.
    const g = join(tmp, "with-empty");
    await page.setInputFiles("#folder", g);
    const cli = await kcHash(g);
    const withoutEmpty = await hashFolderPicked("ipfs");
    const dropped = await hashFolderDropped("ipfs", ["empty/inner"]);
    expect(dropped.digest).to.equal(cli.digest);
    expect(dropped.cid).to.equal(cli.cid);
    // The picker cannot see them, which is why the page says to drop a folder with empty subfolders.
    expect(withoutEmpty.digest).to.not.equal(cli.digest);
    expect((await hashFolderDropped("manifest", ["empty/inner"])).digest).to.equal(
      (await kcHash(g, "--mode", "manifest")).digest,
    );
  });

  it("every ESM package the SDK loads has a loader in the browser build", function () {
    const specifiers = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith(".ts"))
          for (const m of readFileSync(join(dir, e.name), "utf8").matchAll(/lazyEsm<[^>]*>\("([^"]+)"\)/g))
            specifiers.add(m[1]);
      }
    };
    walk(join(ROOT, "src"));
    const browserEsm = readFileSync(join(ROOT, "app", "src", "esm.browser.ts"), "utf8");
    const loaders = [...browserEsm.matchAll(/^\s+"([^"]+)": \(\) => import\("([^"]+)"\)/gm)];
    expect(loaders.every((m) => m[1] === m[2])).to.equal(true);
    expect(new Set(loaders.map((m) => m[1]))).to.deep.equal(specifiers);
  });
});
