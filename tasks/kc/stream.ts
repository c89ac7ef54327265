import { KcError } from "../../src/errors";
import { formatDuration, isoTime } from "../../src/format";
import { parseDigest } from "../../src/parse";
import { catchUp, poolStreams, requirePool } from "../../src/pools";
import { parseArtifactRefs } from "../../src/refs";
import { tokenInfo } from "../../src/token";
import { eventNamed, sendCall } from "../../src/tx";
import { type CommonArgs, contractsFor, keyValues, kcTask, parseId, parsePoolId, required } from "./common";
import { readHistory } from "./history";

interface CancelArgs extends CommonArgs {
  pool?: string;
  stream?: string;
}

kcTask<CancelArgs>(
  "stream-cancel",
  "Cancel your cancelable stream: what it has not released comes back to you, what it released stays",
  { chain: true, signer: true },
  (t) => t.addOptionalParam("pool", "Pool id").addOptionalParam("stream", "Stream id (see kc pool-streams)"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const streamId = parseDigest(required(args.stream, "stream", "0x…"), "stream id");
    const found = await contractsFor(args, hre, true);
    const { pools, signer, account } = found;
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, hre.ethers.provider);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const { view } = await readHistory(args, { hre, status }, found);
    const stream = poolStreams(view, poolId, now).find((s) => s.streamId === streamId);
    if (!stream) throw new KcError(`pool #${poolId} has no stream ${streamId}; see kc pool-streams`);
    if (stream.funder !== account) {
      throw new KcError(`stream ${streamId} was funded by ${stream.funder}, not ${account}; use --from`);
    }
    await catchUp(pools, signer!, poolId, now, status);
    const result = await sendCall(
      signer!,
      pools,
      "cancelStream",
      [poolId, stream.start, stream.end],
      `cancel stream ${streamId}`,
    );
    const [tx] = result.steps;
    const event = eventNamed(result.events, "StreamCancelled");
    const released = event.args.released as bigint;
    const refunded = event.args.refunded as bigint;
    say(`Cancelled stream ${streamId} of pool #${poolId}`);
    for (const line of keyValues([
      [
        "schedule",
        `${isoTime(stream.start)} to ${isoTime(stream.end)} (${formatDuration(stream.end - stream.start)})`,
      ],
      ["released", `${token.format(released)} (stays with the pool's members)`],
      ["refunded", `${token.format(refunded)} to ${account}`],
      ["tx", `${tx.hash} (block ${tx.blockNumber})`],
    ])) {
      say(`  ${line}`);
    }
    return { poolId, streamId, released, refunded, txHash: tx.hash, blockNumber: tx.blockNumber };
  },
);

interface PoolArgs extends CommonArgs {
  pool?: string;
}

kcTask<PoolArgs>(
  "accrue",
  "Release a pool's streams up to now, catching up when more stream ends are due than one call processes",
  { chain: true, signer: true },
  (t) => t.addOptionalParam("pool", "Pool id"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const { pools, signer } = await contractsFor(args, hre, true);
    await requirePool(pools, poolId);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const receipts = await catchUp(pools, signer!, poolId, now, status);
    if (receipts.length === 0) {
      receipts.push(await sendCall(signer!, pools, "accrue", [poolId], `accrue pool #${poolId}`));
    }
    const view = await pools.pool(poolId);
    say(`Accrued pool #${poolId} in ${receipts.length} transaction(s)`);
    for (const line of keyValues([
      ["index", view.index],
      ["carried", view.carried],
      ["txs", receipts.map((r) => r.steps[0].hash).join(", ")],
    ])) {
      say(`  ${line}`);
    }
    return { poolId, index: view.index, txHashes: receipts.map((r) => r.steps[0].hash) };
  },
);

interface SettleArgs extends CommonArgs {
  pool?: string;
  artifacts?: string;
  levels?: string;
}

kcTask<SettleArgs>(
  "settle",
  "Pass artifacts' upstream share to their parents, up to --levels lineage steps (anyone may)",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("pool", "Pool id")
      .addOptionalParam("artifacts", "Artifact digests or sha2-256 CIDs, comma-separated")
      .addOptionalParam("levels", "Lineage steps to carry the flow, 1 to 8 (default 8)"),
  async (args, { hre, say }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const artifacts = await parseArtifactRefs(
      required(args.artifacts, "artifacts", "0x…,0x…"),
      "--artifacts",
    );
    const levels = args.levels === undefined ? 8n : parseId(args.levels, "--levels");
    const { pools, signer } = await contractsFor(args, hre, true);
    const token = await tokenInfo((await requirePool(pools, poolId)).token, hre.ethers.provider);
    const scale = await pools.SCALE();
    const result = await sendCall(
      signer!,
      pools,
      "settle",
      [poolId, artifacts, levels],
      `settle ${artifacts.length} artifact(s) of pool #${poolId}`,
    );
    const [tx] = result.steps;
    const flows = result.events.filter((l) => l.name === "UpstreamFlowed" || l.name === "UpstreamWithheld");
    say(
      `Settled ${artifacts.length} artifact(s) of pool #${poolId} up to ${levels} level(s): ${flows.length} flow(s)`,
    );
    for (const flow of flows) {
      say(
        `  ${flow!.args.child} → ${flow!.args.parent}: ${token.format((flow!.args.scaledAmount as bigint) / scale)}` +
          (flow!.name === "UpstreamWithheld" ? " (withheld: the parent is retracted)" : ""),
      );
    }
    say(`  tx ${tx.hash} (block ${tx.blockNumber})`);
    return {
      poolId,
      levels,
      flows: flows.map((f) => ({
        child: f!.args.child,
        parent: f!.args.parent,
        scaledAmount: f!.args.scaledAmount,
        withheld: f!.name === "UpstreamWithheld",
      })),
      txHash: tx.hash,
      blockNumber: tx.blockNumber,
    };
  },
);
