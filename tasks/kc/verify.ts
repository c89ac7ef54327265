import { existsSync } from "node:fs";

import { parseCid } from "../../src/cid";
import { KcError } from "../../src/errors";
import { type SchemeDigest, DigestScheme, SCHEME_NAMES, digestsOfPath } from "../../src/hash";
import { parseDigest } from "../../src/parse";
import { type CommonArgs, contractsFor, keyValues, kcTask } from "./common";
import { type HashFlags, addHashFlags, hashOptionsOf, progressReporter } from "./content";

interface VerifyArgs extends CommonArgs, HashFlags {
  content?: string;
  expected?: string;
  offline: boolean;
}

/** A CID's digest and the scheme its codec implies (raw: a file's bytes; dag-pb: a UnixFS root). */
async function fromCid(text: string): Promise<SchemeDigest> {
  const cid = await parseCid(text);
  if (cid.codecName !== "raw" && cid.codecName !== "dag-pb") {
    throw new KcError(`${text.trim()} has codec ${cid.codecName}; only raw and dag-pb CIDs name artifacts`);
  }
  return {
    digest: cid.digest,
    scheme: cid.codecName === "raw" ? DigestScheme.Raw : DigestScheme.UnixFs,
    cid: text.trim(),
  };
}

kcTask<VerifyArgs>(
  "verify",
  "Check that a file, folder or CID matches a digest, in which scheme, and whether it is registered",
  { chain: true },
  (t) =>
    addHashFlags(
      t
        .addOptionalPositionalParam("content", "File or folder to hash, or a CID")
        .addOptionalPositionalParam("expected", "Digest (0x + 64 hex) or CID it should match")
        .addFlag("offline", "Only compare hashes; do not look the digest up in the registry"),
      false,
    ),
  async (args, { hre, say, status }) => {
    if (args.content === undefined) throw new KcError("give a file, folder or CID to verify");
    const content = args.content;
    const isPath = existsSync(content);
    const own: SchemeDigest[] = isPath
      ? await digestsOfPath(content, hashOptionsOf(args, progressReporter(status, `hashing ${content}`)))
      : [await fromCid(content)];

    let expected: { digest: string; scheme?: DigestScheme } | undefined;
    if (args.expected !== undefined) {
      const text = args.expected.trim();
      expected =
        /^0x/i.test(text) || /^[0-9a-fA-F]{64}$/.test(text)
          ? { digest: parseDigest(text, "expected digest") }
          : await fromCid(text);
    }
    const match = expected
      ? own.find(
          (d) =>
            d.digest === expected.digest && (expected.scheme === undefined || d.scheme === expected.scheme),
        )
      : undefined;
    if (expected && !match) {
      const got = own.map((d) => `${d.digest} (${SCHEME_NAMES[d.scheme]})`).join(", ");
      throw new KcError(`${content} does not match ${args.expected!.trim()}: it hashes to ${got}`);
    }

    // The registry lookup needs a chain; hashing does not, so a missing deployment is a note, not an error.
    let registered: { digest: string; scheme: string; owner: string }[] | null = null;
    let registryNote: string | undefined;
    if (args.offline) {
      registryNote = "not checked (--offline)";
    } else {
      try {
        const { registry } = await contractsFor(args, hre, false);
        registered = [];
        for (const d of match ? [match] : own) {
          if (!(await registry.exists(d.digest))) continue;
          const info = await registry.artifact(d.digest);
          registered.push({ digest: d.digest, scheme: SCHEME_NAMES[Number(info.scheme)], owner: info.owner });
        }
      } catch (err) {
        registryNote = `not checked (${err instanceof Error ? err.message : String(err)})`;
      }
    }

    const lines: [string, string][] = own.map((d) => [
      SCHEME_NAMES[d.scheme],
      `${d.digest}${d.cid ? `  ${d.cid}` : ""}`,
    ]);
    if (match) lines.push(["match", `yes, as ${SCHEME_NAMES[match.scheme]}`]);
    lines.push([
      "registered",
      registryNote ??
        (registered!.length
          ? registered!.map((r) => `${r.digest} as ${r.scheme}, owner ${r.owner}`).join("; ")
          : "no"),
    ]);
    for (const line of keyValues(lines)) say(line);
    return {
      content,
      digests: own.map((d) => ({ digest: d.digest, scheme: SCHEME_NAMES[d.scheme], cid: d.cid ?? null })),
      match: match ? { digest: match.digest, scheme: SCHEME_NAMES[match.scheme] } : null,
      registered,
      registryNote: registryNote ?? null,
    };
  },
);
