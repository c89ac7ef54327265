import type { Interface } from "ethers";

import { type PoolClaim, claimAcrossPools, claimTargets, settleList } from "../../src/claims";
import { resolveSigner } from "../lib/contracts";
import { KcError } from "../../src/errors";
import type { HistoryView } from "../../src/history";
import { short, table } from "../../src/format";
import { KINDS, parseAmount, parseDuration } from "../../src/parse";
import { requirePool } from "../../src/pools";
import { parseArtifactRefs } from "../../src/refs";
import { describeError } from "../../src/decodeError";
import { type SignedRequest, callArguments, signClaim } from "../../src/signed";
import { tokenInfo } from "../../src/token";
import type { KnowledgeRegistry, RewardPools } from "../../typechain-types";
import { type IndexArgs, readHistory, withIndexParam } from "./history";
import {
  type CommonArgs,
  addressArg,
  contractsFor,
  keyValues,
  kcTask,
  nextCommand,
  parseMaxPerTx,
  parsePoolId,
  txJson,
  txLine,
  writeRequest,
} from "./common";

/** `--pool N`, or every pool of the deployment. */
async function poolIdsOf(pools: RewardPools, pool: string | undefined): Promise<bigint[]> {
  if (pool !== undefined) {
    const poolId = parsePoolId(pool);
    await requirePool(pools, poolId);
    return [poolId];
  }
  const count = await pools.poolCount();
  return Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
}

/** What `account` can claim, per pool and artifact, and which descendants must be settled first. */
async function claimPlan(
  registry: KnowledgeRegistry,
  pools: RewardPools,
  index: HistoryView,
  poolIds: bigint[],
  account: string,
  artifacts: string[],
) {
  // Slots come from the history; an artifact it does not know falls back to the registry (and its error).
  const known = artifacts.every((a) => index.slotOf(a, account) !== undefined);
  const targets = known
    ? artifacts.map((a) => ({ artifact: a.toLowerCase(), slot: BigInt(index.slotOf(a, account)!) }))
    : await claimTargets(registry, artifacts, account);
  // Issued together, so a batching provider sends them in a few requests.
  return Promise.all(
    poolIds.map(async (poolId) => {
      const [amounts, settle] = await Promise.all([
        Promise.all(targets.map((t) => pools.claimable(poolId, t.artifact, account))),
        settleList(pools, poolId, index, artifacts),
      ]);
      return { poolId, settle, targets, amounts };
    }),
  );
}

/**
 * What a signed claim pays if a relayer sends it now (an `eth_call` of `claimBySig` with the current state),
 * and what the signer's targets could claim once `entry.settle` (descendants with upstream flow waiting) is
 * settled first: `multicall([settle, claimable…])` in one `eth_call`. Nothing is sent.
 */
async function simulateSignedClaim(
  pools: RewardPools,
  request: SignedRequest,
  entry: { poolId: bigint; settle: string[]; targets: { artifact: string }[] },
): Promise<{ pays: bigint; afterSettle: bigint }> {
  const to = await pools.getAddress();
  const provider = pools.runner!.provider!;
  const iface = pools.interface as unknown as Interface;
  const claimData = iface.encodeFunctionData("claimBySig", callArguments(request));
  let pays: bigint;
  try {
    [pays] = iface.decodeFunctionResult("claimBySig", await provider.call({ to, data: claimData }));
  } catch (err) {
    throw new KcError(`the signed claim would fail if relayed now: ${describeError(err)}`);
  }
  const views = entry.targets.map((t) =>
    iface.encodeFunctionData("claimable", [entry.poolId, t.artifact, request.signer]),
  );
  const settle =
    entry.settle.length === 0 ? [] : [iface.encodeFunctionData("settle", [entry.poolId, entry.settle, 1])];
  const [results] = iface.decodeFunctionResult(
    "multicall",
    await provider.call({ to, data: iface.encodeFunctionData("multicall", [[...settle, ...views]]) }),
  );
  const afterSettle = (results as string[])
    .slice(settle.length)
    .reduce((sum, r) => sum + (iface.decodeFunctionResult("claimable", r)[0] as bigint), 0n);
  return { pays, afterSettle };
}

interface ClaimableArgs extends CommonArgs, IndexArgs {
  pool?: string;
  account?: string;
  artifacts?: string;
}

kcTask<ClaimableArgs>(
  "claimable",
  "Show what an account can claim, per pool and artifact (every pool unless --pool)",
  { chain: true },
  (t) =>
    withIndexParam(t)
      .addOptionalParam("pool", "Only this pool")
      .addOptionalParam(
        "account",
        "Contributor account, 0x… or an ENS name (default: the first account of the network)",
      )
      .addOptionalParam("artifacts", "Only these artifacts (digests or CIDs, comma-separated)"),
  async (args, { hre, say, status }) => {
    const explicit =
      args.artifacts === undefined ? undefined : await parseArtifactRefs(args.artifacts, "artifact");
    const given = args.account === undefined ? undefined : await addressArg(hre, args.account, "--account");
    const { registry, pools, view: index } = await readHistory(args, { hre, status }, undefined, true);
    const poolIds = await poolIdsOf(pools, args.pool);
    const account = given ?? (await (await resolveSigner(hre)).getAddress());
    const plan = await claimPlan(
      registry,
      pools,
      index,
      poolIds,
      account,
      explicit ?? index.artifactsOf(account),
    );
    const result = [];
    for (const entry of plan) {
      const state = await pools.pool(entry.poolId);
      const token = await tokenInfo(state.token, hre.ethers.provider);
      const rows = entry.targets.map((t, i) => ({
        artifact: t.artifact,
        kind: KINDS[index.artifacts.get(t.artifact)?.kind ?? 6],
        slot: t.slot,
        claimable: entry.amounts[i],
      }));
      const total = rows.reduce((s, r) => s + r.claimable, 0n);
      result.push({
        poolId: entry.poolId,
        token: state.token,
        symbol: token.symbol,
        total,
        // Upstream waiting in descendants reaches these artifacts once they are settled (kc claim does it).
        upstreamWaiting: entry.settle.length > 0,
        artifacts: rows,
      });
      say(`Pool #${entry.poolId}: ${account} can claim ${token.format(total)}`);
      if (rows.some((r) => r.claimable > 0n)) {
        say(
          table(
            ["artifact", "kind", "slot", "claimable"],
            rows.map((r) => [short(r.artifact), r.kind, String(r.slot), token.format(r.claimable)]),
            ["left", "left", "right", "right"],
          ),
        );
      }
      if (entry.settle.length > 0)
        say("  More is on its way from derivatives not yet settled: kc claim settles them.");
    }
    if (poolIds.length === 0) say("No pools exist yet.");
    return { account, pools: result };
  },
);

interface ClaimArgs extends CommonArgs {
  pool?: string;
  artifacts?: string;
  to?: string;
  signOnly: boolean;
  out?: string;
  max?: string;
  deadline: string;
  maxPerTx?: string;
}

kcTask<ClaimArgs>(
  "claim",
  "Claim the sender's rewards from every pool (or --pool), settling derivatives first; split into several transactions when one cannot hold them",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("pool", "Only this pool")
      .addOptionalParam("artifacts", "Only these artifacts (digests or CIDs, comma-separated)")
      .addOptionalParam("to", "Send the rewards to this address or ENS name (default: the sender)")
      .addFlag(
        "signOnly",
        "Sign a claimBySig request for --pool instead of sending; a relayer sends it (kc relay)",
      )
      .addOptionalParam("out", "With --sign-only: write the request to this file (default: print it)")
      .addOptionalParam(
        "max",
        "With --sign-only: the most it may pay, in token units (default: claimable now)",
      )
      .addOptionalParam("deadline", "With --sign-only: how long the signature stays valid, e.g. 2d", "7d")
      .addOptionalParam("maxPerTx", "Gas one transaction may use at most (default: 16777216, EIP-7825)"),
  async (args, { hre, say, status }) => {
    const explicit =
      args.artifacts === undefined ? undefined : await parseArtifactRefs(args.artifacts, "artifact");
    const validFor = parseDuration(args.deadline);
    if (args.signOnly && args.pool === undefined)
      throw new KcError("a signed claim is for one pool: add --pool");
    const to = args.to === undefined ? undefined : await addressArg(hre, args.to, "--to", { nonZero: true });
    const found = await contractsFor(args, hre, true);
    const { signer, account } = found;
    const { registry, pools, view: index } = await readHistory(args, { hre, status }, found);
    const poolIds = await poolIdsOf(pools, args.pool);
    const recipient = to ?? account!;
    const artifacts = explicit ?? index.artifactsOf(account!);
    if (artifacts.length === 0) throw new KcError(`${account} holds no contributor slot in any artifact`);
    const plan = await claimPlan(registry, pools, index, poolIds, account!, artifacts);
    if (args.signOnly) {
      const { poolId, targets, amounts } = plan[0];
      const token = await tokenInfo((await pools.pool(poolId)).token, hre.ethers.provider);
      const now = amounts.reduce((s, a) => s + a, 0n);
      if (now === 0n && args.max === undefined)
        throw new KcError(`nothing to claim for ${account} in pool #${poolId} yet`);
      const maxAmount = args.max === undefined ? now : parseAmount(args.max, token.decimals);
      const latest = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      const claim = {
        poolId,
        targets: targets.filter((_, i) => amounts[i] > 0n || args.max !== undefined),
        recipient,
        maxAmount,
      };
      const request = await signClaim(pools, signer!, claim, BigInt(latest) + validFor);
      const { pays, afterSettle } = await simulateSignedClaim(pools, request, plan[0]);
      say(
        `Signing a claim of at most ${token.format(maxAmount)} (claimable now: ${token.format(now)}); ` +
          `relayed now it pays ${token.format(pays)}`,
      );
      if (afterSettle > now) {
        const settle = nextCommand(
          hre,
          args,
          "settle",
          `--pool ${poolId} --artifacts ${plan[0].settle.join(",")} --levels 1`,
        );
        status(
          `warning: settling ${plan[0].settle.length} derivative(s) first raises what is claimable to ${token.format(afterSettle)}: run ${settle}, then sign again`,
        );
      }
      const written = writeRequest(request, args.out, say);
      return { ...written, pays, afterSettle };
    }
    const worth: PoolClaim[] = plan
      .filter((e) => e.settle.length > 0 || e.amounts.some((a) => a > 0n))
      .map((e) => ({ poolId: e.poolId, settle: e.settle, targets: e.targets }));
    const where = args.pool === undefined ? "any pool" : `pool #${poolIds[0]}`;
    const maxPerTx = parseMaxPerTx(args.maxPerTx);
    const result =
      worth.length === 0
        ? undefined
        : await claimAcrossPools(pools, signer!, worth, recipient, { index, status, maxPerTx });
    if (!result) throw new KcError(`nothing to claim for ${account} in ${where} yet`);

    const byPool = new Map<bigint, bigint>();
    for (const p of result.perArtifact) byPool.set(p.poolId, (byPool.get(p.poolId) ?? 0n) + p.amount);
    const paid = [];
    for (const [poolId, total] of byPool) {
      const token = await tokenInfo((await pools.pool(poolId)).token, hre.ethers.provider);
      paid.push({
        poolId,
        token: token.address,
        symbol: token.symbol,
        total,
        totalFormatted: token.format(total),
      });
      say(
        `Claimed ${token.format(total)} from pool #${poolId} for ${account}${recipient !== account ? `, sent to ${recipient}` : ""}`,
      );
      say(
        table(
          ["artifact", "kind", "slot", "amount"],
          result.perArtifact
            .filter((p) => p.poolId === poolId)
            .map((p) => [
              short(p.artifact),
              KINDS[index.artifacts.get(p.artifact)?.kind ?? 6],
              String(p.slot),
              token.format(p.amount),
            ]),
          ["left", "left", "right", "right"],
        ),
      );
    }
    const settled = worth.flatMap((e) => e.settle);
    const sent = result.result.steps;
    if (settled.length > 0)
      say(`Settled ${settled.length} derivative artifact(s) first, in the same transaction(s).`);
    for (const note of result.result.notes) say(note);
    if (sent.length === 1) say(`tx: ${sent[0].hash} (block ${sent[0].blockNumber})`);
    else for (const step of sent) say(txLine(step));
    const last = sent[sent.length - 1];
    return {
      account,
      recipient,
      pools: paid,
      artifacts: result.perArtifact,
      settled,
      notes: result.result.notes,
      transactions: sent.map(txJson),
      txHash: last.hash,
      blockNumber: last.blockNumber,
    };
  },
);
