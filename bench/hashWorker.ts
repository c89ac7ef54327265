/**
 * One contender of `npm run bench:hash`, run in its own process so its peak RSS is its own. Prints one
 * JSON line: the time spent hashing (after the process and its modules have loaded), the peak RSS and
 * the digest. `kc-ipfs`/`kc-manifest` are this project's hashing; `importer` is ipfs-unixfs-importer
 * used directly as its README shows (fs streams in, blocks discarded), configured by the same profile.
 */
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

import { importEsm } from "../src/esm";
import { hashPath } from "../src/hash";

/** A read stream opened only when the importer starts reading, so 20,000 files are not all open at once. */
async function* lazyStream(path: string): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path);
}

async function libraryImporter(path: string, isFolder: boolean): Promise<string> {
  const { importer } = await importEsm<any>("ipfs-unixfs-importer"); // eslint-disable-line @typescript-eslint/no-explicit-any
  const { BlackHoleBlockstore } = await importEsm<any>("blockstore-core/black-hole"); // eslint-disable-line @typescript-eslint/no-explicit-any
  const source = isFolder
    ? (await readdir(path)).sort().map((name) => ({ path: name, content: lazyStream(join(path, name)) }))
    : [{ content: createReadStream(path) }];
  let last: { cid: { toString(): string } } | undefined;
  const options = { profile: "unixfs-v1-2025", wrapWithDirectory: isFolder };
  for await (const entry of importer(source, new BlackHoleBlockstore(), options)) last = entry;
  return last!.cid.toString();
}

async function main(): Promise<void> {
  const [contender, path, kind] = process.argv.slice(2);
  await importEsm("ipfs-unixfs-importer"); // load modules before the clock starts, for every contender
  const start = process.hrtime.bigint();
  let digest: string;
  if (contender === "importer") digest = await libraryImporter(path, kind === "folder");
  else {
    const r = await hashPath(path, { mode: contender === "kc-ipfs" ? "ipfs" : "manifest" });
    digest = r.cid ?? r.digest;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(
    `${JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, digest })}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
