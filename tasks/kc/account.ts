import { join } from "node:path";

import { JsonRpcProvider, type Provider } from "ethers";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";

import type { TokenMeta } from "../../src/batch";
import { type Contracts, resolveSigner } from "../lib/contracts";
import { accountEarnings } from "../../src/earnings";
import { programsContract } from "../lib/epochs";
import { formatDuration, short, table } from "../../src/format";
import { syncHistory } from "../../src/history";
import { FileHistoryStore } from "../../src/history/fileStore";
import type { HistoryView } from "../../src/history/view";
import { IndexClient, IndexUnavailable, historyFromIndex } from "../../src/indexClient";
import { accountArtifacts, poolsOverview } from "../../src/overview";
import { KINDS, formatAmount, parseAddress } from "../../src/parse";
import { type CommonArgs, type Ctx, contractsFor, kcTask } from "./common";

/**
 * Account-centric reads: `kc earnings`, `kc pools`, `kc artifacts`. Each syncs the history index (cached in
 * `.kc/cache/`, or env KC_CACHE_DIR) and reads views in batches through a batching JSON-RPC provider.
 */

/**
 * The provider reads go through: on an HTTP network an ethers `JsonRpcProvider` of its own, which sends the
 * requests issued together as one JSON-RPC batch; on the in-process network, Hardhat's.
 */
function readProvider(hre: HardhatRuntimeEnvironment, chainId: bigint): Provider {
  const url = (hre.network.config as { url?: string }).url;
  if (!url) return hre.ethers.provider;
  return new JsonRpcProvider(url, chainId, { staticNetwork: true });
}

/** `--index <url>` of the account reads, else env KC_INDEX_URL; none reads the chain's logs. */
export interface IndexArgs {
  index?: string;
}

/** Blocks the index may trail the chain's head before a read falls back to the logs (env KC_INDEX_MAX_LAG). */
const INDEX_MAX_LAG = 10;

export function withIndexParam(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return t.addOptionalParam(
    "index",
    "Read the history from this index (npm run index), e.g. http://127.0.0.1:42069 (default: env KC_INDEX_URL)",
  );
}

function indexUrlOf(args: IndexArgs): string | undefined {
  return args.index?.trim() || process.env.KC_INDEX_URL?.trim() || undefined;
}

/**
 * The history from the index, when one is given: views are then read at its block. Unreachable, or more than
 * KC_INDEX_MAX_LAG (10) blocks behind the chain: one note on stderr, and the logs are read as without it.
 */
async function historyFromIndexOrNote(
  url: string,
  provider: Provider,
  status: Ctx["status"],
): Promise<HistoryView | undefined> {
  const maxLag = Number(process.env.KC_INDEX_MAX_LAG?.trim() || INDEX_MAX_LAG);
  try {
    const head = await provider.getBlockNumber();
    return (await historyFromIndex(new IndexClient(url), head, maxLag)).view;
  } catch (e) {
    if (!(e instanceof IndexUnavailable)) throw e;
    status(`note: ${e.message}; reading the chain's logs instead`);
    return undefined;
  }
}

/**
 * The history (from the index with `--index`/KC_INDEX_URL where the command takes it, else synced from the
 * logs) and the contracts bound to the reading provider.
 */
export async function readHistory(
  args: CommonArgs & IndexArgs,
  { hre, status }: Pick<Ctx, "hre" | "status">,
  found?: Contracts,
  /** Whether the command takes `--index` (and so KC_INDEX_URL): the account reads do, writes do not. */
  indexed = false,
) {
  const { chainId, registry, pools, fromBlock } = found ?? (await contractsFor(args, hre, false));
  const provider = readProvider(hre, chainId);
  const reader = { registry: registry.connect(provider), pools: pools.connect(provider) };
  const url = indexed ? indexUrlOf(args) : undefined;
  const fromIndex = url === undefined ? undefined : await historyFromIndexOrNote(url, provider, status);
  if (fromIndex) return { ...reader, provider, view: fromIndex, stats: undefined, chainId };
  // The in-process network starts empty for every command: nothing worth caching.
  const store =
    hre.network.name === "hardhat"
      ? undefined
      : new FileHistoryStore(process.env.KC_CACHE_DIR?.trim() || join(hre.config.paths.root, ".kc", "cache"));
  const { view, stats } = await syncHistory({
    provider,
    chainId,
    ...reader,
    fromBlock,
    store,
    onProgress: status,
  });
  return { ...reader, provider, view, stats, chainId };
}

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
