import { digestToCid, parseCid } from "../../src/cid";
import { KcError } from "../../src/errors";
import { type Progress, buildManifest, hashPath } from "../../src/hash";
import { type CommonArgs, type Ctx, keyValues, kcTask } from "./common";

interface HashArgs extends CommonArgs {
  path?: string;
  cid?: string;
  manifest: boolean;
}

/** Files below this size hash too fast for progress output to be worth a line. */
const PROGRESS_FROM_BYTES = 32 * 1024 * 1024;

/** Progress on stderr: rewritten in place on a terminal, a line per 10% otherwise (CI logs). */
export function progressReporter(status: Ctx["status"], label: string): Progress {
  let lastPercent = 0;
  let lastTime = 0;
  return (done, total) => {
    if (total < PROGRESS_FROM_BYTES) return;
    const percent = Math.floor((done / total) * 100);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
    const text = `${label} ${percent}% (${mib(done)} / ${mib(total)} MiB)`;
    if (process.stderr.isTTY) {
      if (Date.now() - lastTime < 200 && done < total) return;
      lastTime = Date.now();
      process.stderr.write(`\r${text}${done >= total ? "\n" : ""}`);
    } else if (Math.floor(percent / 10) > Math.floor(lastPercent / 10)) {
      lastPercent = percent;
      status(text);
    }
  };
}

kcTask<HashArgs>(
  "hash",
  "Print the digest of a file or folder (canonical manifest), or of a sha2-256 IPFS CID",
  {},
  (t) =>
    t
      .addOptionalPositionalParam("path", "File or folder to hash")
      .addOptionalParam("cid", "An IPFS CID (v0 Qm… or v1 b…) whose sha2-256 digest to print")
      .addFlag("manifest", "For a folder, also print the manifest lines that were hashed"),
  async (args, { say, status }) => {
    if (args.path !== undefined && args.cid !== undefined)
      throw new KcError("give a path or --cid, not both");
    if (args.cid !== undefined) {
      const parsed = await parseCid(args.cid);
      const note =
        parsed.codecName === "raw"
          ? undefined
          : `a ${parsed.codecName} CID names an encoded block: its digest differs from kc hash of the same file`;
      for (const line of keyValues([
        ["digest", parsed.digest],
        ["cid", `${args.cid.trim()} (v${parsed.version}, ${parsed.codecName})`],
        ...(note ? [["note", note] as [string, string]] : []),
      ])) {
        say(line);
      }
      return {
        digest: parsed.digest,
        cid: args.cid.trim(),
        version: parsed.version,
        codec: parsed.codecName,
        note,
      };
    }
    if (args.path === undefined) throw new KcError("give a file or folder to hash, or --cid <cid>");
    const result = await hashPath(args.path, progressReporter(status, `hashing ${args.path}`));
    // Only a single file's raw CID names the same bytes; a folder digest is ours, not IPFS's.
    const cid = result.kind === "file" ? await digestToCid(result.digest) : undefined;
    for (const line of keyValues([
      ["digest", result.digest],
      ["kind", result.kind],
      ["files", result.files],
      ["bytes", result.bytes],
      ...(cid ? [["cid", `${cid} (raw, CIDv1)`] as [string, string]] : []),
    ])) {
      say(line);
    }
    let manifest: { path: string; sha256: string; bytes: bigint }[] | undefined;
    if (args.manifest && result.kind === "folder") {
      manifest = (await buildManifest(args.path)).entries;
      say();
      say("manifest (path, sha256 of the file; the digest is the sha256 of these lines):");
      for (const entry of manifest) say(`  ${entry.path}  ${entry.sha256}`);
    }
    return { ...result, cid, manifest };
  },
);
