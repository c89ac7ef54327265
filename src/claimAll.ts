import { Interface, getAddress, type ContractTransactionReceipt, type Log, type Signer } from "ethers";

import { RewardPools__factory, ScoredPrograms__factory } from "../typechain-types";
import type { PoolClaim } from "./claims";

/**
 * One transaction that claims an account's rewards from several pools and several scored programs.
 *
 * RewardPools and ScoredPrograms are two contracts, so their own `multicall`s (which keep `msg.sender`) cannot
 * share a transaction; an aggregator can, because both have a permissionless path that pays the account itself:
 * `RewardPools.claimFor(poolId, account, targets)` and `ScoredPrograms.claim(programId, account, amount, proof)`
 * (and `RewardPools.settle`, to move upstream flow first). The aggregator is Multicall3's `aggregate3`, already
 * deployed at {@link MULTICALL3_ADDRESS} on most EVM chains, so nothing new is deployed. Claims to another recipient
 * or by signature need the account as `msg.sender` (or its signature): use each contract's own `multicall` for those.
 */

/** Multicall3's address on Ethereum and most EVM chains (same deployer, same nonce). */
export const MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** The one Multicall3 function used here. */
export const MULTICALL3_ABI = [
  "function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)",
];

export interface ProgramClaim {
  programId: bigint;
  /** The account's cumulative amount in the active root (its leaf), and the leaf's proof. */
  cumulativeAmount: bigint;
  proof: string[];
}

export interface ClaimAllRequest {
  /** Who is paid; every call pays this account itself. */
  account: string;
  pools?: { address: string; claims: PoolClaim[] };
  programs?: { address: string; claims: ProgramClaim[] };
  /** Let a claim fail (nothing to claim, a stale proof) without reverting the others. Default false. */
  allowFailure?: boolean;
}

export interface Call3 {
  target: string;
  allowFailure: boolean;
  callData: string;
}

/**
 * What a mined batch paid, decoded from the contracts' `RewardsClaimed` events by name (with `allowFailure`, a claim
 * that failed is simply absent).
 */
export interface ClaimAllResult {
  pools: { poolId: bigint; artifact: string; slot: bigint; amount: bigint }[];
  programs: { programId: bigint; amount: bigint }[];
  receipt: ContractTransactionReceipt;
}

const poolsInterface: Interface = RewardPools__factory.createInterface();
const programsInterface: Interface = ScoredPrograms__factory.createInterface();
const multicallInterface = new Interface(MULTICALL3_ABI);

/** The calls of `request`: per pool its settlements then its claim, then one claim per program. */
export function claimAllCalls(request: ClaimAllRequest): Call3[] {
  const allowFailure = request.allowFailure ?? false;
  const account = getAddress(request.account);
  const calls: Call3[] = [];
  if (request.pools) {
    const target = getAddress(request.pools.address);
    for (const claim of request.pools.claims) {
      if (claim.settle.length > 0) {
        const callData = poolsInterface.encodeFunctionData("settle", [claim.poolId, claim.settle, 1]);
        calls.push({ target, allowFailure, callData });
      }
      const callData = poolsInterface.encodeFunctionData("claimFor", [claim.poolId, account, claim.targets]);
      calls.push({ target, allowFailure, callData });
    }
  }
  if (request.programs) {
    const target = getAddress(request.programs.address);
    for (const claim of request.programs.claims) {
      const callData = programsInterface.encodeFunctionData("claim", [
        claim.programId,
        account,
        claim.cumulativeAmount,
        claim.proof,
      ]);
      calls.push({ target, allowFailure, callData });
    }
  }
  return calls;
}

/** The transaction (to the aggregator) that makes every call of `request`. */
export function encodeClaimAll(
  request: ClaimAllRequest,
  multicall: string = MULTICALL3_ADDRESS,
): { to: string; data: string; calls: Call3[] } {
  const calls = claimAllCalls(request);
  if (calls.length === 0) throw new RangeError("nothing to claim: no pool and no program in the request");
  const data = multicallInterface.encodeFunctionData("aggregate3", [calls]);
  return { to: getAddress(multicall), data, calls };
}

function decodePaid(
  logs: readonly Log[],
  pools: string | undefined,
  programs: string | undefined,
): Pick<ClaimAllResult, "pools" | "programs"> {
  const out: Pick<ClaimAllResult, "pools" | "programs"> = { pools: [], programs: [] };
  for (const log of logs) {
    const from = getAddress(log.address);
    if (from === pools) {
      const parsed = poolsInterface.parseLog(log);
      if (parsed?.name === "RewardsClaimed") {
        out.pools.push({
          poolId: parsed.args.poolId as bigint,
          artifact: (parsed.args.artifact as string).toLowerCase(),
          slot: parsed.args.slot as bigint,
          amount: parsed.args.amount as bigint,
        });
      }
    } else if (from === programs) {
      const parsed = programsInterface.parseLog(log);
      if (parsed?.name === "RewardsClaimed") {
        out.programs.push({
          programId: parsed.args.programId as bigint,
          amount: parsed.args.amount as bigint,
        });
      }
    }
  }
  return out;
}

/**
 * The canonical Multicall3 reverts a failed batch with its own string, losing the claim's custom error; replaying
 * the calls one by one from the aggregator's address finds the first that fails, with its own revert data (a claim
 * that only fails after an earlier call of the batch changed state is not found: then the batch's error stands).
 */
async function firstFailure(signer: Signer, from: string, calls: Call3[]): Promise<unknown> {
  for (const call of calls) {
    if (call.allowFailure) continue;
    try {
      await signer.provider!.call({ from, to: call.target, data: call.callData });
    } catch (err) {
      return err;
    }
  }
  return undefined;
}

/**
 * Simulates the batch of `request`, sends it from `signer` (anyone: every call pays `request.account`), waits,
 * and decodes what each pool and program paid. A failing claim without `allowFailure` reverts the simulation with
 * that contract's own error, and nothing is sent.
 */
export async function claimAll(
  signer: Signer,
  request: ClaimAllRequest,
  multicall: string = MULTICALL3_ADDRESS,
): Promise<ClaimAllResult> {
  const tx = encodeClaimAll(request, multicall);
  try {
    await signer.call({ to: tx.to, data: tx.data });
  } catch (err) {
    throw (await firstFailure(signer, tx.to, tx.calls)) ?? err;
  }
  const sent = await signer.sendTransaction({ to: tx.to, data: tx.data });
  const receipt = (await sent.wait()) as ContractTransactionReceipt;
  const paid = decodePaid(
    receipt.logs,
    request.pools && getAddress(request.pools.address),
    request.programs && getAddress(request.programs.address),
  );
  return { ...paid, receipt };
}
