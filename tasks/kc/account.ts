import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { TokenMeta } from "../../src/batch";
import { resolveSigner } from "../lib/contracts";
import { accountEarnings } from "../../src/earnings";
import { programsContract } from "../lib/epochs";
import { formatDuration, short, table } from "../../src/format";
import { accountArtifacts, poolsOverview } from "../../src/overview";
import { KINDS, formatAmount, parseAddress } from "../../src/parse";
import { type CommonArgs, kcTask } from "./common";
import { type IndexArgs, readHistory, withIndexParam } from "./history";

/**
 * Account-centric reads: `kc earnings`, `kc pools`, `kc artifacts`. Each syncs the history index (cached in
 * `.kc/cache/`, or env KC_CACHE_DIR) and reads views in batches through a batching JSON-RPC provider.
 */

function fmt(value: bigint, token: TokenMeta): string {
  return token.decimals === undefined
    ? `${value} (base units of ${token.address})`
    : formatAmount(value, token.decimals, token.symbol);
}

interface AccountArgs extends CommonArgs, IndexArgs {
  account?: string;
  programs?: string;
}

async function accountOf(args: AccountArgs, hre: HardhatRuntimeEnvironment): Promise<string> {
  if (args.account !== undefined) return parseAddress(args.account, "--account");
  return (await resolveSigner(hre)).getAddress();
}

kcTask<AccountArgs>(
  "earnings",
  "What an account can claim across every pool, per artifact, direct or from derivatives (and programs)",
  { chain: true },
  (t) =>
    withIndexParam(t)
      .addOptionalParam("account", "Contributor account (default: the first account of the network)")
      .addOptionalParam("programs", "ScoredPrograms address (default: env KC_PROGRAMS, else the deployment)"),
  async (args, ctx) => {
    const { hre, say } = ctx;
    const account = await accountOf(args, hre);
    const { view, pools, provider } = await readHistory(args, ctx, undefined, true);
    const programs = await programsContract(hre, args).then(
      (p) => p.programs.connect(provider),
      () => undefined,
    );
    const earnings = await accountEarnings({ history: view, pools, programs, account });
    say(`Earnings of ${account} at block ${earnings.block}`);
    if (earnings.pools.length === 0) say(`  nothing in any of the ${view.pools().length} pool(s)`);
    for (const p of earnings.pools) {
      say();
      say(
        `Pool #${p.poolId}: claimable ${fmt(p.claimable, p.token)}` +
          ` (${fmt(p.claimable - p.fromDerivatives, p.token)} direct, ${fmt(p.fromDerivatives, p.token)} from derivatives)` +
          `, claimed so far ${fmt(p.claimed, p.token)}`,
      );
      const rows = p.artifacts.filter((a) => a.claimable > 0n || a.waiting > 0n || a.claimed > 0n);
      say(
        table(
          [
            "artifact",
            "kind",
            "slot",
            "share",
            "weight",
            "claimable",
            "direct",
            "from derivatives",
            "waiting",
            "claimed",
          ],
          rows.map((a) => [
            short(a.artifact),
            KINDS[a.kind] ?? "other",
            String(a.slot),
            `${a.share}/${a.totalShares}`,
            String(a.weight),
            fmt(a.claimable, p.token),
            fmt(a.direct, p.token),
            fmt(a.fromDerivatives, p.token),
            fmt(a.waiting, p.token),
            fmt(a.claimed, p.token),
          ]),
          ["left", "left", "right", "right", "right", "right", "right", "right", "right", "right"],
        ),
      );
      if (p.waiting > 0n)
        say(
          `  ${fmt(p.waiting, p.token)} more waits in derivatives not yet settled: kc claim settles them first.`,
        );
    }
    if (earnings.programs.length > 0) {
      say();
      say("Scored programs (a claim needs the account's amount and proof from the epoch's allocation file):");
      say(
        table(
          ["program", "token", "active epoch", "active total", "claimed by account"],
          earnings.programs.map((p) => [
            `#${p.programId}`,
            p.token.symbol,
            String(p.activeEpoch),
            fmt(p.activeTotal, p.token),
            fmt(p.claimed, p.token),
          ]),
          ["left", "left", "right", "right", "right"],
        ),
      );
    }
    return earnings;
  },
);

kcTask<CommonArgs & IndexArgs>(
  "pools",
  "Every pool: token, curator, members, funding, streams",
  { chain: true },
  withIndexParam,
  async (args, ctx) => {
    const { view, pools } = await readHistory(args, ctx, undefined, true);
    const summaries = await poolsOverview(view, pools);
    if (summaries.length === 0) ctx.say("No pools exist yet.");
    else
      ctx.say(
        table(
          [
            "pool",
            "token",
            "curator",
            "delay",
            "members",
            "funded",
            "claimed",
            "rate/s",
            "streams",
            "streaming",
          ],
          summaries.map((p) => [
            `#${p.poolId}`,
            p.token.symbol,
            short(p.curator, 4),
            formatDuration(p.curationDelay),
            String(p.members),
            fmt(p.funded, p.token),
            fmt(p.claimed, p.token),
            fmt(p.ratePerSecond, p.token),
            `${p.streamsRunning} running / ${p.streamsTotal}`,
            fmt(p.streaming, p.token),
          ]),
          ["left", "left", "left", "right", "right", "right", "right", "right", "right", "right"],
        ),
      );
    return { block: view.block, pools: summaries };
  },
);

kcTask<AccountArgs>(
  "artifacts",
  "The artifacts an account contributes to: slot, share, kind, lineage, pools",
  { chain: true },
  (t) =>
    withIndexParam(t).addOptionalParam(
      "account",
      "Contributor account (default: the first account of the network)",
    ),
  async (args, ctx) => {
    const account = await accountOf(args, ctx.hre);
    const { view } = await readHistory(args, ctx, undefined, true);
    const artifacts = accountArtifacts(view, account);
    ctx.say(`${account} contributes to ${artifacts.length} artifact(s)`);
    if (artifacts.length > 0)
      ctx.say(
        table(
          ["artifact", "kind", "slot", "share", "builds on", "derivatives", "pools (weight)"],
          artifacts.map((a) => [
            short(a.artifact) + (a.retracted ? " (retracted)" : ""),
            KINDS[a.kind] ?? "other",
            String(a.slot),
            `${a.share}/${a.totalShares}`,
            String(a.parents.length),
            String(a.children),
            a.pools.map((p) => `#${p.poolId} (${p.weight})`).join(", ") || "-",
          ]),
          ["left", "left", "right", "right", "right", "right", "left"],
        ),
      );
    return { account, block: view.block, artifacts };
  },
);
