/**
 * The pure parts of the app's claims (no DOM, no network), unit-tested in test/lib/appClaims.test.ts: the
 * registry index the SDK's planning needs, built from what the index serves; what a planned step pays, read
 * from its simulation; the per-transaction gas cap from the page's URL; the status line of a plan's progress;
 * and where an account's claimable amounts come from.
 */
import { Interface } from "ethers";

import type { ArtifactRecord, RegistryIndex } from "../../src/history/view";
import { parseAddress } from "../../src/parse";
import { TX_GAS_CAP } from "../../src/tx";

/** An artifact and its parents, as `/kc/earnings/:account` lists the account's artifacts' descendants. */
export interface LineageRecord {
  digest: string;
  parents: string[];
}

/**
 * The {@link RegistryIndex} of `records` (in registration order, parents before children) that the SDK's
 * `settleList` and `planClaims` walk: children and descendants (latest registered first). Only digests and
 * parents are known; the other fields of a record are left empty, and `artifactsOf` is not served.
 */
export function registryIndexFrom(records: LineageRecord[]): RegistryIndex {
  const artifacts = new Map<string, ArtifactRecord>();
  const childrenOf = new Map<string, string[]>();
  const order: string[] = [];
  for (const r of records) {
    const digest = r.digest.toLowerCase();
    if (artifacts.has(digest)) continue;
    const parents = r.parents.map((p) => p.toLowerCase());
    artifacts.set(digest, { digest, parents } as unknown as ArtifactRecord);
    order.push(digest);
    for (const p of parents) childrenOf.set(p, [...(childrenOf.get(p) ?? []), digest]);
  }
  return {
    artifacts,
    children: (digest) => childrenOf.get(digest.toLowerCase()) ?? [],
    artifactsOf: () => {
      throw new Error("the app's registry index knows lineage only");
    },
    descendants(digests) {
      const found = new Set<string>();
      const pending = [...digests].map((d) => d.toLowerCase());
      for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
        for (const child of childrenOf.get(d) ?? []) {
          if (!found.has(child)) {
            found.add(child);
            pending.push(child);
          }
        }
      }
      return order.filter((d) => found.has(d)).reverse();
    },
  };
}

const MULTICALL = new Interface([
  "function multicall(bytes[] data) returns (bytes[] results)",
  "function claim(uint256 poolId, (bytes32 artifact, uint256 slot)[] targets, address recipient) returns (uint256 total)",
]);

/**
 * What one planned step (a `RewardPools.multicall` of settles and claims, as `planClaims` builds it) pays per
 * pool, from the step's calldata and the return data of its simulation (`eth_call` from the claimant).
 */
export function paidByStep(data: string, returnData: string): { poolId: bigint; amount: bigint }[] {
  const [calls] = MULTICALL.decodeFunctionData("multicall", data) as unknown as [string[]];
  const [results] = MULTICALL.decodeFunctionResult("multicall", returnData) as unknown as [string[]];
  const claim = MULTICALL.getFunction("claim")!;
  const out: { poolId: bigint; amount: bigint }[] = [];
  calls.forEach((call, i) => {
    if (!call.startsWith(claim.selector)) return;
    const [poolId] = MULTICALL.decodeFunctionData(claim, call);
    const [amount] = MULTICALL.decodeFunctionResult(claim, results[i]);
    out.push({ poolId: poolId as bigint, amount: amount as bigint });
  });
  return out;
}

/**
 * The per-transaction gas cap: `?maxPerTx=<gas>` in the page's URL (before the `#`), else EIP-7825's
 * {@link TX_GAS_CAP}. A value that is not a positive whole number is an error, not silently ignored.
 */
export function maxPerTxFrom(search: string): bigint {
  const raw = new URLSearchParams(search).get("maxPerTx");
  if (raw === null || raw.trim() === "") return TX_GAS_CAP;
  if (!/^\d+$/.test(raw.trim()) || BigInt(raw.trim()) === 0n)
    throw new Error(`?maxPerTx= must be a positive whole number of gas: ${raw}`);
  return BigInt(raw.trim());
}

/** The status line while transaction `i` (from 0) of `n` waits for the wallet. */
export function progressText(i: number, n: number, label: string, pays?: string): string {
  return `transaction ${i + 1} of ${n} (${label})${pays ? `, pays ${pays}` : ""}: confirm in your wallet…`;
}

/** `sendPlan`'s progress line (`sending step 2/3 (label)`) as the step it is about to send. */
export function stepOfProgress(message: string): { i: number; n: number; label: string } | undefined {
  const m = /^sending step (\d+)\/(\d+) \((.*)\)$/.exec(message);
  return m ? { i: Number(m[1]) - 1, n: Number(m[2]), label: m[3] } : undefined;
}

/** One row of `/kc/earnings/:account`, the parts the sources need (amounts in base units, as strings). */
export interface SourceRow {
  token: string;
  claimable: string;
  /** The part of `claimable` that came from derivatives (upstream flow); the rest is direct. */
  fromDerivatives?: string;
}

/** Claimable per token, split by source: direct (the pool pays the artifact) and from derivatives. */
export function sourceTotals(rows: SourceRow[]): Map<string, { direct: bigint; fromDerivatives: bigint }> {
  const out = new Map<string, { direct: bigint; fromDerivatives: bigint }>();
  for (const r of rows) {
    const t = out.get(r.token) ?? { direct: 0n, fromDerivatives: 0n };
    const up = BigInt(r.fromDerivatives ?? "0");
    t.fromDerivatives += up;
    t.direct += BigInt(r.claimable) - up;
    out.set(r.token, t);
  }
  return out;
}

/**
 * The typed recipient of a claim: strict (0x and 40 hex digits, checksum when mixed case) and not the zero address,
 * which the contracts refuse; a request signed for a relayer is not simulated first, so it is checked here.
 */
export function recipientFrom(text: string): string {
  return parseAddress(text, "the recipient", { nonZero: true });
}
