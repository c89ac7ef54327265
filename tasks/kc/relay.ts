import { readFileSync } from "node:fs";

import { KcError } from "../../src/errors";
import { waitForReveal } from "../../src/register";
import { callArguments, checkRequest, commitForRequest, parseSignedRequest, relay } from "../../src/signed";
import { tokenInfo } from "../../src/token";
import { sendCall } from "../../src/tx";
import { advanceTimeFor } from "../lib/chain";
import { type CommonArgs, contractsFor, keyValues, kcTask, required } from "./common";

/** `kc relay`: send someone's signed request and pay its gas; `kc nonces-invalidate`: void one's signed claims. */

interface RelayArgs extends CommonArgs {
  file?: string;
}

kcTask<RelayArgs>(
  "relay",
  "Send a signed request (from kc register --sign-only or kc claim --sign-only) and pay its gas",
  { chain: true, signer: true },
  (t) => t.addOptionalPositionalParam("file", "The request file"),
  async (args, { hre, say, status }) => {
    const file = required(args.file, "file", "req.json").trim();
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new KcError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const request = parseSignedRequest(text, file);
    const { registry, pools, signer, account } = await contractsFor(args, hre, true);
    // Before a commitment is paid for: the right chain, contract and signer.
    await checkRequest(request, signer!, { registry, pools });
    let commit;
    if (request.function === "registerBySig" && (await registry.minCommitAge()) > 0n) {
      commit = await commitForRequest(registry, signer!, request);
      status(`commitment ${commit.commitment} ${commit.txHash ? `made (tx ${commit.txHash})` : "reused"}`);
      const simulate = () =>
        registry
          .connect(signer!)
          .registerBySig.estimateGas(...(callArguments(request) as [any, any, any, any, any]), {
            blockTag: "pending",
          } as never);
      await waitForReveal(
        hre.ethers.provider,
        advanceTimeFor(hre),
        commit.readyAt,
        commit.expiresAt,
        simulate,
        registry,
        status,
      );
    }
    const done = await relay(request, signer!, { registry, pools });
    const tx = `${done.receipt.hash} (block ${done.receipt.blockNumber})`;
    if (done.registered) {
      say(`Relayed the registration of ${done.registered.digest} signed by ${request.signer}`);
      for (const line of keyValues([
        ["owner", done.registered.owner],
        ["relayer", `${account} (paid the gas)`],
        ...(commit ? [["commit", commit.txHash ? `tx ${commit.txHash}` : "reused"] as [string, string]] : []),
        ["tx", tx],
      ]))
        say(`  ${line}`);
      return {
        function: request.function,
        signer: request.signer,
        relayer: account,
        ...done.registered,
        commitTxHash: commit?.txHash ?? null,
        txHash: done.receipt.hash,
        blockNumber: done.receipt.blockNumber,
      };
    }
    const poolId = BigInt(request.message.poolId as string);
    const token = await tokenInfo((await pools.pool(poolId)).token, hre.ethers.provider);
    const claimed = done.claimed ?? [];
    const total = claimed.reduce((s, c) => s + c.amount, 0n);
    say(`Relayed a claim of ${token.format(total)} from pool #${poolId} signed by ${request.signer}`);
    for (const c of claimed) say(`  ${c.artifact} slot ${c.slot}: ${token.format(c.amount)}`);
    for (const line of keyValues([
      ["recipient", claimed[0]?.recipient ?? (request.message.recipient as string)],
      ["relayer", `${account} (paid the gas)`],
      ["tx", tx],
    ]))
      say(`  ${line}`);
    return {
      function: request.function,
      signer: request.signer,
      relayer: account,
      poolId,
      symbol: token.symbol,
      total,
      totalFormatted: token.format(total),
      claimed,
      txHash: done.receipt.hash,
      blockNumber: done.receipt.blockNumber,
    };
  },
);

kcTask<CommonArgs & { nonce?: string }>(
  "nonces-invalidate",
  "Void the sender's unused signed pool claims: its claim nonce becomes --nonce (default: current + 1)",
  { chain: true, signer: true },
  (t) => t.addOptionalParam("nonce", "The new nonce, larger than the current one"),
  async (args, { hre, say }) => {
    if (args.nonce !== undefined && !/^\d+$/.test(args.nonce.trim()))
      throw new KcError(`--nonce must be a whole number: ${args.nonce}`);
    const { pools, signer, account } = await contractsFor(args, hre, true);
    const current = await pools.nonces(account!);
    const nonce = args.nonce === undefined ? current + 1n : BigInt(args.nonce.trim());
    if (nonce <= current)
      throw new KcError(`the nonce of ${account} is already ${current}; give a larger --nonce`);
    const result = await sendCall(
      signer!,
      pools,
      "invalidateNonces",
      [nonce],
      `invalidate nonces below ${nonce}`,
    );
    const [tx] = result.steps;
    say(`Signed claims of ${account} with a nonce below ${nonce} are void (it was ${current})`);
    say(`  tx: ${tx.hash} (block ${tx.blockNumber})`);
    return { account, previous: current, nonce, txHash: tx.hash, blockNumber: tx.blockNumber };
  },
);
