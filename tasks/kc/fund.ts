import { KcError } from "../../src/errors";
import { formatDuration, isoTime } from "../../src/format";
import { parseAmount, parseDuration } from "../../src/parse";
import { catchUp, pendingChanges, requirePool, streamEndHint } from "../../src/pools";
import { signPermit, tokenInfo } from "../../src/token";
import { eventNamed, sendCall } from "../../src/tx";
import {
  type CommonArgs,
  contractsFor,
  keyValues,
  kcTask,
  nextCommand,
  parsePoolId,
  required,
} from "./common";
import { readHistory } from "./history";

interface FundArgs extends CommonArgs {
  pool?: string;
  amount?: string;
  duration?: string;
  cancelable: boolean;
  noPermit: boolean;
}

/** How long a permit signature stays valid: long enough for a slow block, short enough to be harmless. */
const PERMIT_LIFETIME = 3_600n;

kcTask<FundArgs>(
  "fund",
  "Fund a pool at once, or as a linear stream with --duration (approves or signs a permit as needed)",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("pool", "Pool id")
      .addOptionalParam("amount", "Amount in token units, e.g. 1.5 (the token's decimals apply)")
      .addOptionalParam(
        "duration",
        "Stream over this long instead of at once: 90s, 45m, 1.5h, 3 days, 2w, 1y",
      )
      .addFlag(
        "cancelable",
        "With --duration: you may cancel the stream later and take back what it has not released",
      )
      .addFlag("noPermit", "Send an approve transaction even if the token supports ERC-2612 permit"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const amountText = required(args.amount, "amount", "1.5");
    const duration = args.duration === undefined ? undefined : parseDuration(args.duration);
    if (args.cancelable && duration === undefined)
      throw new KcError("--cancelable needs --duration (a stream)");
    const found = await contractsFor(args, hre, true);
    const { pools, signer, account, poolsAddress } = found;
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, signer!);
    const amount = parseAmount(amountText, token.decimals);
    if (amount === 0n) throw new KcError("--amount must be greater than zero");
    const balance: bigint = await token.contract.balanceOf(account!);
    if (balance < amount) {
      throw new KcError(
        `${account} holds ${token.format(balance)}, less than the ${token.format(amount)} to fund`,
      );
    }

    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const { view } = await readHistory(args, { hre, status }, found);
    let hint = 0n;
    if (duration !== undefined) {
      await catchUp(pools, signer!, poolId, now, status);
      // The stream's end is set by the block that includes it; a hint at or before that still holds.
      hint = await streamEndHint(pools, view, poolId, now + duration, now);
    }
    const cancelable = args.cancelable;
    const changes = await pendingChanges(pools, view, poolId);
    if (changes.length > 0) {
      status(
        `note: pool #${poolId} has ${changes.length} announced curation change(s) not yet applied ` +
          `(${changes.map((c) => `#${c.changeId}`).join(", ")}); they change who this money pays: see kc pool-changes`,
      );
    }
    const allowance: bigint = await token.contract.allowance(account!, poolsAddress);
    let approval: { method: "allowance" | "permit" | "approve"; txHash?: string };
    const permit =
      allowance >= amount || args.noPermit
        ? undefined
        : await signPermit(
            token,
            signer!,
            poolsAddress,
            amount,
            BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + PERMIT_LIFETIME,
          );
    const what = duration === undefined ? `fund pool #${poolId}` : `stream into pool #${poolId}`;
    let call: [string, unknown[]];
    if (permit) {
      // One transaction: the permit rides along with the funding call.
      approval = { method: "permit" };
      const { deadline, v, r, s } = permit;
      call =
        duration === undefined
          ? ["fundWithPermit", [poolId, amount, deadline, v, r, s]]
          : ["fundStreamWithPermit", [poolId, amount, duration, cancelable, hint, deadline, v, r, s]];
    } else {
      if (allowance < amount) {
        // The funding call can only be simulated once the approval is mined (the balance was checked above).
        const approved = await sendCall(
          signer!,
          token.contract,
          "approve",
          [poolsAddress, amount],
          "approve",
        );
        approval = { method: "approve", txHash: approved.steps[0].hash };
      } else {
        approval = { method: "allowance" };
      }
      call =
        duration === undefined
          ? ["fund", [poolId, amount]]
          : ["fundStream", [poolId, amount, duration, cancelable, hint]];
    }
    const result = await sendCall(signer!, pools, call[0], call[1], what);
    const [{ hash: txHash, blockNumber }] = result.steps;

    const event = eventNamed(result.events, duration === undefined ? "PoolFunded" : "StreamCreated");
    const received = event.args.received as bigint;
    const streamEnd = duration === undefined ? undefined : (event.args.end as bigint);
    const streamId = duration === undefined ? undefined : (event.args.streamId as string);
    say(
      duration === undefined
        ? `Funded pool #${poolId} with ${token.format(amount)}, distributed at once by weight`
        : `Streaming ${token.format(amount)} into pool #${poolId} over ${formatDuration(duration)}` +
            (cancelable ? " (cancelable)" : ""),
    );
    const approvalText =
      approval.method === "permit"
        ? "ERC-2612 permit signature (no separate approve transaction)"
        : approval.method === "approve"
          ? `approve tx ${approval.txHash}`
          : "existing allowance";
    for (const line of keyValues([
      ["received", token.format(received) + (received < amount ? " (the token took a transfer fee)" : "")],
      ...(streamEnd !== undefined
        ? [
            ["stream", streamId!] as [string, string],
            ["stream ends", isoTime(streamEnd)] as [string, string],
            [
              "cancel",
              cancelable
                ? nextCommand(hre, args, "stream-cancel", `--pool ${poolId} --stream ${streamId}`)
                : "not cancelable: nobody can stop or reschedule it",
            ] as [string, string],
          ]
        : []),
      ["approval", approvalText],
      ["tx", `${txHash} (block ${blockNumber})`],
    ])) {
      say(`  ${line}`);
    }
    return {
      poolId,
      token: state.token,
      symbol: token.symbol,
      amount,
      amountFormatted: token.format(amount),
      received,
      duration: duration ?? null,
      streamId: streamId ?? null,
      streamEnd: streamEnd ?? null,
      cancelable: duration === undefined ? null : cancelable,
      approval: approval.method,
      approveTxHash: approval.txHash ?? null,
      txHash,
      blockNumber,
    };
  },
);
