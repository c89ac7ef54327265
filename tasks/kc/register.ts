import { existsSync, readFileSync, statSync } from "node:fs";

import { KcError } from "../../src/errors";
import { formatBps, humanDuration } from "../../src/format";
import { parseStatedDigest } from "../../src/content/ref";
import { SCHEME_MEANING, SCHEME_NAMES, cidOf, hashPath } from "../../src/hash";
import {
  type Contributor,
  type ContributorEntry,
  KINDS,
  contributorEntries,
  contributorEntriesFromCsv,
  parseBps,
  parseDigest,
  parseDuration,
  parseKind,
  resolveContributors,
} from "../../src/parse";
import { parseArtifactRef, parseArtifactRefs } from "../../src/refs";
import { readBatchFile } from "../../src/batchFile";
import { registerArtifact, registerMany } from "../../src/register";
import { signRegistrationRequest } from "../../src/signed";
import { advanceTimeFor } from "../lib/chain";
import {
  type CommonArgs,
  contractsFor,
  ensOf,
  keyValues,
  kcTask,
  parseMaxPerTx,
  required,
  txJson,
  txLine,
  writeRequest,
} from "./common";
import { type HashFlags, addHashFlags, hashOptionsOf, progressReporter } from "./content";

interface RegisterArgs extends CommonArgs, HashFlags {
  path?: string;
  digest?: string;
  scheme?: string;
  kind?: string;
  uri: string;
  contributors?: string;
  contributorsFile?: string;
  parents: string;
  upstream: string;
  minUpstream: string;
  versionOf?: string;
  secret?: string;
  signOnly: boolean;
  out?: string;
  deadline?: string;
}

kcTask<RegisterArgs>(
  "register",
  "Register a file, folder or digest as an artifact (commit-reveal is done for you when the deployment needs it)",
  { chain: true, signer: true },
  (t) =>
    addHashFlags(t)
      .addOptionalParam("path", "File or folder to hash and register")
      .addOptionalParam(
        "digest",
        "Digest (0x + 64 hex, needs --scheme) or sha2-256 CID to register, instead of --path",
      )
      .addOptionalParam(
        "scheme",
        `With --digest: what its bytes are, ${SCHEME_NAMES.join(", ")} (needed for 0x digests and dag-pb CIDs)`,
      )
      .addOptionalParam("kind", `What it is: ${KINDS.join(", ")}`)
      .addOptionalParam("uri", "Where the content or its metadata lives (ipfs://, ar://, https://)", "")
      .addOptionalParam(
        "contributors",
        "address:share,… with whole-number shares or percentages (0x…:60%,alice.eth:40%); default: the " +
          "previous version's contributors with --version-of, else the sender with share 1",
      )
      .addOptionalParam("contributorsFile", "CSV file of address,share rows, instead of --contributors")
      .addOptionalParam("parents", "Digests or CIDs of the artifacts this one builds on, comma-separated", "")
      .addOptionalParam(
        "upstream",
        "Share of rewards that flows to the parents: 20% or 2000 (basis points)",
        "0",
      )
      .addOptionalParam("minUpstream", "Least upstream share derivatives of this artifact must give", "0")
      .addOptionalParam("versionOf", "Register as the next version of this digest (you must own it)")
      .addOptionalParam("secret", "Commit-reveal secret of an interrupted run, to reuse its commitment")
      .addFlag("signOnly", "Sign a registerBySig request instead of sending; a relayer sends it (kc relay)")
      .addOptionalParam("out", "With --sign-only: write the request to this file (default: print it)")
      .addOptionalParam("deadline", "With --sign-only: how long the signature stays valid, e.g. 2d", "7d"),
  async (args, { hre, say, status }) => {
    // Parse everything before touching the network, so bad input fails fast and sends nothing.
    if ((args.path === undefined) === (args.digest === undefined)) {
      throw new KcError("give exactly one of --path <file|folder> or --digest <digest|cid>");
    }
    const kind = parseKind(required(args.kind, "kind", KINDS[0]));
    const parents = await parseArtifactRefs(args.parents, "parent");
    const upstreamBps = parseBps(args.upstream);
    const minUpstreamBps = parseBps(args.minUpstream);
    const versionOf =
      args.versionOf === undefined ? undefined : await parseArtifactRef(args.versionOf, "--version-of");
    const secret = args.secret === undefined ? undefined : parseDigest(args.secret, "--secret");
    const validFor = parseDuration(args.deadline ?? "7d");
    const entries = contributorEntriesOf(args);
    if (args.path !== undefined && args.scheme !== undefined) {
      throw new KcError("--scheme goes with --digest; with --path the scheme follows from --mode");
    }
    if (args.digest !== undefined && args.mode !== undefined) {
      throw new KcError("--mode goes with --path; with --digest say what it is with --scheme");
    }
    const { digest, scheme } =
      args.digest !== undefined
        ? await parseStatedDigest(args.digest, args.scheme)
        : await hashPath(args.path!, hashOptionsOf(args, progressReporter(status, `hashing ${args.path}`)));
    const cid = await cidOf(digest, scheme);

    const explicit = entries && (await resolveContributors(entries, { resolve: ensOf(hre) }));
    const { registry, signer, account } = await contractsFor(args, hre, true);
    // A new version keeps the previous one's contributors (as their slots stand now) unless told otherwise.
    let contributorsFrom: "flag" | "file" | "previous-version" | "sender";
    let contributors: Contributor[];
    if (explicit) {
      [contributors, contributorsFrom] = [explicit, args.contributorsFile ? "file" : "flag"];
    } else if (versionOf) {
      const previous = await registry.contributors(versionOf);
      contributors = previous.map((c) => ({ account: c.account, share: BigInt(c.share) }));
      contributorsFrom = "previous-version";
    } else {
      [contributors, contributorsFrom] = [[{ account: account!, share: 1n }], "sender"];
    }
    const input = {
      digest,
      kind,
      scheme,
      uri: args.uri,
      contributors,
      parents,
      upstreamBps,
      minUpstreamBps,
      versionOf,
      secret,
    };
    if (args.signOnly) {
      return writeRequest(await signRegistrationRequest(registry, signer!, input, validFor), args.out, say);
    }
    const outcome = await registerArtifact(registry, signer!, input, {
      status,
      advanceTime: advanceTimeFor(hre),
    });

    const total = contributors.reduce((sum, c) => sum + c.share, 0n);
    const pct = (share: bigint) =>
      `${((Number(share) / Number(total)) * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
    say(`Registered ${digest} (${KINDS[kind]}${versionOf ? `, next version of ${versionOf}` : ""})`);
    for (const line of keyValues([
      ["scheme", `${SCHEME_NAMES[scheme]}: ${SCHEME_MEANING[scheme]}`],
      ["cid", cid ? `${cid} (ipfs://${cid})` : "none (a manifest digest has no IPFS form)"],
      ["owner", account!],
      ["uri", args.uri || "(none)"],
      [
        "contributors",
        contributors.map((c) => `${c.account} ${c.share} (${pct(c.share)})`).join(", ") +
          (contributorsFrom === "previous-version"
            ? ` (kept from ${versionOf}; --contributors or --contributors-file to change them)`
            : ""),
      ],
      ["parents", outcome.parents.join(", ") || "none"],
      [
        "upstream",
        `${formatBps(upstreamBps)} to parents; derivatives must give at least ${formatBps(minUpstreamBps)}`,
      ],
      ...(outcome.commit
        ? [
            [
              "commit",
              `${outcome.commit.txHash ? `tx ${outcome.commit.txHash}` : "reused"}, revealed ${humanDuration(outcome.commit.waited)} later`,
            ] as [string, string],
          ]
        : []),
      ["tx", `${outcome.txHash} (block ${outcome.blockNumber})`],
    ])) {
      say(`  ${line}`);
    }
    return {
      digest,
      kind: KINDS[kind],
      scheme: SCHEME_NAMES[scheme],
      cid: cid ?? null,
      uri: args.uri,
      owner: account,
      contributors,
      contributorsFrom,
      parents: outcome.parents,
      upstreamBps,
      minUpstreamBps,
      versionOf: versionOf ?? null,
      txHash: outcome.txHash,
      blockNumber: outcome.blockNumber,
      commit: outcome.commit ?? null,
    };
  },
);

/** `--contributors` or `--contributors-file` as written (checked later, once ENS can be asked). */
function contributorEntriesOf(args: RegisterArgs): ContributorEntry[] | undefined {
  if (args.contributors !== undefined && args.contributorsFile !== undefined) {
    throw new KcError("give --contributors or --contributors-file, not both");
  }
  if (args.contributors !== undefined) return contributorEntries(args.contributors);
  const file = args.contributorsFile;
  if (file === undefined) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) throw new KcError(`no such file: ${file}`);
  return contributorEntriesFromCsv(readFileSync(file, "utf8"), file);
}

interface BatchArgs extends CommonArgs {
  file?: string;
  maxPerTx?: string;
}

kcTask<BatchArgs>(
  "register-batch",
  "Register every artifact of a CSV or JSONL file through multicall, committing all first when commit-reveal is on",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam(
        "file",
        "artifacts.csv (header: path|digest,scheme,kind,uri,contributors,parents,upstream,min_upstream) or .jsonl",
      )
      .addOptionalParam("maxPerTx", "Gas one transaction may use at most (default: 16777216, EIP-7825)"),
  async (args, { hre, say, status }) => {
    const file = required(args.file, "file", "artifacts.csv");
    const maxPerTx = parseMaxPerTx(args.maxPerTx);
    const { registry, signer, account } = await contractsFor(args, hre, true);
    const inputs = await readBatchFile(file, account!);
    const outcome = await registerMany(registry, signer!, inputs, {
      status,
      advanceTime: advanceTimeFor(hre),
      maxPerTx,
    });
    const registered = (step: number) =>
      outcome.registrations.events.filter((e) => e.name === "ArtifactRegistered" && e.step === step).length;
    say(`Registered ${outcome.digests.length} artifact(s) from ${file} as ${account}`);
    for (const [i, digest] of outcome.digests.entries()) say(`  ${digest}  ${KINDS[inputs[i].kind]}`);
    for (const note of outcome.notes) say(`  ${note}`);
    for (const step of outcome.commits?.steps ?? []) say(`  ${txLine(step)}`);
    for (const step of outcome.registrations.steps) say(`  ${txLine(step)}`);
    return {
      file,
      owner: account,
      digests: outcome.digests,
      notes: outcome.notes,
      commitTxs: (outcome.commits?.steps ?? []).map(txJson),
      registerTxs: outcome.registrations.steps.map((s, i) => ({ ...txJson(s), registered: registered(i) })),
    };
  },
);
