import { parseCid } from "../../src/cid";
import { KcError } from "../../src/errors";
import { FOLDER_HASH_RULES, SCHEME_NAMES, hashPath, ipfsUriOf } from "../../src/hash";
import { type CommonArgs, keyValues, kcTask } from "./common";
import { type HashFlags, addHashFlags, hashOptionsOf, progressReporter } from "./content";

interface HashArgs extends CommonArgs, HashFlags {
  path?: string;
  cid?: string;
  manifest: boolean;
}

kcTask<HashArgs>(
  "hash",
  "Print the digest and CID of a file or folder (IPFS mode by default, or --mode manifest), or of a CID",
  {},
  (t) =>
    addHashFlags(
      t
        .addOptionalPositionalParam("path", "File or folder to hash")
        .addOptionalParam("cid", "An IPFS CID (v0 Qm… or v1 b…) whose sha2-256 digest to print")
        .addFlag("manifest", "Also print the rules, the excludes and (manifest mode) the manifest lines"),
    ),
  async (args, { say, status }) => {
    if (args.path !== undefined && args.cid !== undefined)
      throw new KcError("give a path or --cid, not both");
    if (args.cid !== undefined) {
      const parsed = await parseCid(args.cid);
      const note =
        parsed.codecName === "raw"
          ? undefined
          : `a ${parsed.codecName} CID names an encoded block, not a file's bytes: register it with --scheme unixfs`;
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
    const options = hashOptionsOf(args, progressReporter(status, `hashing ${args.path}`));
    const result = await hashPath(args.path, options);
    const uri = await ipfsUriOf(result.digest, result.scheme);
    const excluded = result.excluded ?? [];
    for (const line of keyValues([
      ["digest", result.digest],
      ["scheme", `${SCHEME_NAMES[result.scheme]} (${result.mode} mode)`],
      ["cid", result.cid ?? "none (a manifest digest has no IPFS form)"],
      ...(uri ? [["uri", uri] as [string, string]] : []),
      ["kind", result.kind],
      ["files", result.files],
      ["bytes", result.bytes],
      ...(result.kind === "folder"
        ? [["excluded", excluded.length ? excluded.join(", ") : "nothing"] as [string, string]]
        : []),
    ])) {
      say(line);
    }
    if (args.manifest && result.kind === "folder") {
      say();
      say("rules:");
      for (const rule of FOLDER_HASH_RULES) say(`  - ${rule}`);
      say(`exclude patterns in force: ${(result.patterns ?? []).join(" ") || "none"}`);
      if (result.manifest) {
        say("manifest (path, sha256 of the file; the digest is the sha256 of these lines):");
        for (const entry of result.manifest.entries) say(`  ${entry.path}  ${entry.sha256}`);
      }
    }
    return {
      digest: result.digest,
      scheme: SCHEME_NAMES[result.scheme],
      mode: result.mode,
      cid: result.cid ?? null,
      uri: uri ?? null,
      kind: result.kind,
      files: result.files,
      bytes: result.bytes,
      ...(result.kind === "folder" ? { excluded, patterns: result.patterns } : {}),
      ...(args.manifest && result.manifest ? { manifest: result.manifest.entries } : {}),
    };
  },
);
