import { claim, claimTargets, settle, settleList } from "../../src/claims";
import { KcError } from "../../src/errors";
import { loadRegistryIndex } from "../../src/events";
import { short, table } from "../../src/format";
import { KINDS, parseAddress } from "../../src/parse";
import { requirePool } from "../../src/pools";
import { parseArtifactRefs } from "../../src/refs";
import { resolveSigner } from "../../src/contracts";
import { tokenInfo } from "../../src/token";
import { type CommonArgs, contractsFor, keyValues, kcTask, parsePoolId, required } from "./common";

interface ClaimableArgs extends CommonArgs {
  pool?: string;
  account?: string;
  artifacts?: string;
}

kcTask<ClaimableArgs>(
  "claimable",
  "Show what an account can claim from a pool, per artifact",
  { chain: true },
  (t) =>
    t
      .addOptionalParam("pool", "Pool id")
      .addOptionalParam("account", "Contributor account (default: the first account of the network)")
      .addOptionalParam("artifacts", "Only these artifacts (digests or CIDs, comma-separated)"),
  async (args, { hre, say }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const explicit =
      args.artifacts === undefined ? undefined : await parseArtifactRefs(args.artifacts, "artifact");
    const given = args.account === undefined ? undefined : parseAddress(args.account, "--account");
    const { registry, pools, fromBlock } = await contractsFor(args, hre, false);
    const account = given ?? (await (await resolveSigner(hre)).getAddress());
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, hre.ethers.provider);
    const index = await loadRegistryIndex(registry, fromBlock);
    const artifacts = explicit ?? index.artifactsOf(account);
    const rows = [];
    for (const artifact of artifacts) {
      const { found, slot } = await registry.slotOf(artifact, account);
      if (!found) {
        if (explicit) throw new KcError(`${account} holds no contributor slot in artifact ${artifact}`);
        continue;
      }
      const record = index.artifacts.get(artifact);
      rows.push({
        artifact,
        kind: record ? KINDS[record.kind] : "?",
        slot,
        claimable: await pools.claimable(poolId, artifact, account),
      });
    }
    // Upstream waiting in descendants reaches these artifacts only once they are settled (kc claim does it).
    const waiting =
      (
        await settleList(
          pools,
          poolId,
          index,
          rows.map((r) => r.artifact),
        )
      ).length > 0;
    const total = rows.reduce((s, r) => s + r.claimable, 0n);
    say(`${account} can claim ${token.format(total)} from pool #${poolId}`);
    if (rows.length > 0) {
      say();
      say(
        table(
          ["artifact", "kind", "slot", "claimable"],
          rows.map((r) => [short(r.artifact), r.kind, String(r.slot), token.format(r.claimable)]),
          ["left", "left", "right", "right"],
        ),
      );
    }
    if (waiting) {
      say();
      say("More is on its way from derivative artifacts not yet settled: kc claim settles them first.");
    }
    return {
      poolId,
      account,
      token: state.token,
      symbol: token.symbol,
      total,
      upstreamWaiting: waiting,
      artifacts: rows,
    };
  },
);

interface ClaimArgs extends CommonArgs {
  pool?: string;
  artifacts?: string;
  to?: string;
}

kcTask<ClaimArgs>(
  "claim",
  "Claim the sender's rewards from a pool (all its artifacts by default), settling derivatives first",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("pool", "Pool id")
      .addOptionalParam("artifacts", "Only these artifacts (digests or CIDs, comma-separated)")
      .addOptionalParam("to", "Send the rewards to this address (default: the sender)"),
  async (args, { hre, say }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const explicit =
      args.artifacts === undefined ? undefined : await parseArtifactRefs(args.artifacts, "artifact");
    const to = args.to === undefined ? undefined : parseAddress(args.to, "--to", { nonZero: true });
    const { registry, pools, signer, account, fromBlock } = await contractsFor(args, hre, true);
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, hre.ethers.provider);
    const index = await loadRegistryIndex(registry, fromBlock);
    const recipient = to ?? account!;

    const artifacts = explicit ?? index.artifactsOf(account!);
    const targets = await claimTargets(registry, artifacts, account!);
    if (targets.length === 0) throw new KcError(`${account} holds no contributor slot in any artifact`);
    const toSettle = await settleList(pools, poolId, index, artifacts);
    const before = await Promise.all(targets.map((t) => pools.claimable(poolId, t.artifact, account!)));
    if (toSettle.length === 0 && before.every((a) => a === 0n)) {
      throw new KcError(`nothing to claim for ${account} in pool #${poolId} yet`);
    }
    const settled = await settle(pools, signer!, poolId, toSettle);
    const result = await claim(pools, signer!, poolId, targets, recipient);
    if (!result) throw new KcError(`nothing to claim for ${account} in pool #${poolId} yet`);

    if (settled) {
      say(
        `Settled ${toSettle.length} derivative artifact(s) so their upstream share reached yours: tx ${settled.hash}`,
      );
    }
    say(
      `Claimed ${token.format(result.total)} from pool #${poolId} for ${account}${recipient !== account ? `, sent to ${recipient}` : ""}`,
    );
    say();
    say(
      table(
        ["artifact", "kind", "slot", "amount"],
        result.perArtifact.map((p) => [
          short(p.artifact),
          KINDS[index.artifacts.get(p.artifact)?.kind ?? 6],
          String(p.slot),
          token.format(p.amount),
        ]),
        ["left", "left", "right", "right"],
      ),
    );
    say();
    for (const line of keyValues([["tx", `${result.receipt.hash} (block ${result.receipt.blockNumber})`]]))
      say(line);
    return {
      poolId,
      account,
      recipient,
      token: state.token,
      symbol: token.symbol,
      total: result.total,
      totalFormatted: token.format(result.total),
      artifacts: result.perArtifact,
      settled: toSettle,
      settleTxHash: settled?.hash ?? null,
      txHash: result.receipt.hash,
      blockNumber: result.receipt.blockNumber,
    };
  },
);
