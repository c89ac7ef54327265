import { existsSync } from "node:fs";

import { ZeroHash } from "ethers";

import { KcError } from "../../src/errors";
import { formatBps, short } from "../../src/format";
import { type HashResult, SCHEME_NAMES, cidOf, hashPath } from "../../src/hash";
import { KINDS, kindName } from "../../src/parse";
import { parseArtifactRef } from "../../src/refs";
import { tokenInfo } from "../../src/token";
import { readHistory } from "./history";
import { type CommonArgs, contractsFor, keyValues, kcTask, required } from "./common";
import { type HashFlags, addHashFlags, hashOptionsOf } from "./content";

interface ShowArgs extends CommonArgs, HashFlags {
  artifact?: string;
}

kcTask<ShowArgs>(
  "show",
  "Show an artifact: owner, kind, URI, contributors, lineage, versions and pools",
  { chain: true },
  (t) =>
    addHashFlags(t.addOptionalPositionalParam("artifact", "Digest, sha2-256 CID, or a file/folder to hash")),
  async (args, { hre, say, status }) => {
    const ref = required(args.artifact, "artifact", "0x… (as a positional argument)");
    const looksLikeRef = /^(0x|Qm|b)/.test(ref.trim()) || /^[0-9a-fA-F]{64}$/.test(ref.trim());
    const isPath = !looksLikeRef && existsSync(ref);
    let digest = isPath
      ? (await hashPath(ref, hashOptionsOf(args))).digest
      : await parseArtifactRef(ref, "artifact");

    const found = await contractsFor(args, hre, false);
    const { registry, pools, chainId } = found;
    if (isPath && args.mode === undefined && !(await registry.exists(digest))) {
      // Registered before IPFS mode became the default, or on purpose in manifest mode.
      const manifest: HashResult = await hashPath(ref, { ...hashOptionsOf(args), mode: "manifest" });
      if (await registry.exists(manifest.digest)) digest = manifest.digest;
    }
    if (!(await registry.exists(digest)))
      throw new KcError(`artifact ${digest} is not registered on chain ${chainId}`);
    const [info, slots, parents, previous, next, latest, { view: index }] = await Promise.all([
      registry.artifact(digest),
      registry.contributors(digest),
      registry.parentsOf(digest),
      registry.previousVersion(digest),
      registry.nextVersion(digest),
      registry.latestVersion(digest),
      readHistory(args, { hre, status }, found),
    ]);
    const poolIds = index.poolsOf(digest);
    const record = index.artifacts.get(digest);
    const kindOf = (d: string) => {
      const r = index.artifacts.get(d.toLowerCase());
      return r ? kindName(r.kind) : "?";
    };
    const total = Number(info.totalShares);
    const contributors = slots.map((c, slot) => ({
      slot,
      account: c.account,
      share: BigInt(c.share),
      percent: (Number(c.share) / total) * 100,
    }));
    const children = index.children(digest).map((d) => ({
      digest: d,
      kind: kindOf(d),
      upstreamBps: index.artifacts.get(d)!.upstreamBps,
    }));
    const poolRows = [];
    for (const poolId of poolIds) {
      const [member, state] = await Promise.all([pools.member(poolId, digest), pools.pool(poolId)]);
      const token = await tokenInfo(state.token, hre.ethers.provider);
      poolRows.push({
        poolId,
        weight: member.weight,
        totalWeight: state.totalWeight,
        token: state.token,
        symbol: token.symbol,
        admitted: member.weight > 0n,
      });
    }
    const versions = {
      previous: previous === ZeroHash ? null : previous,
      next: next === ZeroHash ? null : next,
      latest,
    };
    const scheme = Number(info.scheme);
    const cid = (await cidOf(digest, scheme)) ?? null;
    const result = {
      digest,
      kind: KINDS[Number(info.kind)],
      scheme: SCHEME_NAMES[scheme] ?? String(scheme),
      cid,
      ipfs: cid ? `ipfs://${cid}` : null,
      owner: info.owner,
      registrant: record?.registrant ?? null,
      uri: record?.uri ?? null,
      registeredTx: record?.txHash ?? null,
      registeredBlock: record?.blockNumber ?? null,
      retracted: info.retracted,
      retractedReason: record?.retractedReason ?? null,
      totalShares: info.totalShares,
      contributors,
      parents: parents.map((d) => ({ digest: d, kind: kindOf(d) })),
      upstreamBps: Number(info.upstreamBps),
      minUpstreamBps: Number(info.minUpstreamBps),
      children,
      versions,
      pools: poolRows,
    };

    say(`Artifact ${digest} (${result.kind})`);
    const indent = " ".repeat("contributors: ".length + 2);
    const lines = keyValues([
      ["scheme", result.scheme],
      ["cid", cid ? `${cid}  ipfs://${cid}` : "none (a manifest digest has no IPFS form)"],
      ["owner", info.owner],
      ["registered", record ? `block ${record.blockNumber}, tx ${record.txHash}` : "(event not found)"],
      ["uri", result.uri || "(none)"],
      ["status", info.retracted ? `retracted: ${record?.retractedReason ?? ""}` : "active"],
      [
        "contributors",
        contributors
          .map(
            (c) =>
              `slot ${c.slot}  ${c.account}  ${c.share} (${c.percent.toFixed(2).replace(/\.?0+$/, "")}%)`,
          )
          .join(`\n${indent}`),
      ],
      ["parents", result.parents.map((p) => `${p.digest} (${p.kind})`).join(`\n${indent}`) || "none"],
      [
        "upstream",
        `${formatBps(result.upstreamBps)} to parents; derivatives must give at least ${formatBps(result.minUpstreamBps)}`,
      ],
      [
        "children",
        children
          .map((c) => `${c.digest} (${c.kind}, gives ${formatBps(c.upstreamBps)})`)
          .join(`\n${indent}`) || "none",
      ],
      [
        "versions",
        `previous ${versions.previous ? short(versions.previous) : "none"}, next ${
          versions.next ? short(versions.next) : "none"
        }, latest ${latest === digest ? "this one" : latest}`,
      ],
      [
        "pools",
        poolRows
          .map((p) =>
            p.admitted
              ? `#${p.poolId} weight ${p.weight} of ${p.totalWeight} (${p.symbol})`
              : `#${p.poolId} removed`,
          )
          .join(`\n${indent}`) || "none",
      ],
    ]);
    for (const line of lines) say(`  ${line}`);
    return result;
  },
);
